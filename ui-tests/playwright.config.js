/**
 * Galata configuration: a real JupyterLab with jupyterlab-hpc installed, in
 * Debian's Chromium (Playwright cannot download its own browsers here).
 *
 * Two projects: "jupyterlab" runs the specs against the bare JupyterLab of
 * `webServer`; "hub" runs tests/hub against the JupyterHub testbed that
 * `make test-ui` starts (scripts/hub-testbed, found through $HUB_TESTBED_DIR),
 * logging in through the hub's own login page.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  timeout: 90 * 1000,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage'
      ]
    }
  },
  projects: [
    { name: 'jupyterlab', testIgnore: ['**/hub/**'] },
    {
      name: 'hub',
      testMatch: ['**/hub/**/*.spec.ts'],
      // Each test spawns a Slurm job through the hub and stops it, each of
      // which may take up to 2 minutes on a loaded machine.
      timeout: 420 * 1000
    }
  ],
  webServer: {
    command: 'jlpm start',
    url: 'http://localhost:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};

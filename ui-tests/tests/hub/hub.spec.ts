/*
 * JupyterLab as users really get it: through JupyterHub's own login page, in a
 * Slurm job that batchspawner submits with the time, memory and CPUs chosen on
 * the hub's form (scripts/hub-testbed, started by `make test-ui`). The hub, its
 * users and passwords come from $HUB_TESTBED_DIR (see ./hub.ts).
 */
import * as path from 'path';

import { IMAGES } from '../images';
import {
  expect,
  hubJobs,
  logIn,
  SPAWN_TIMEOUT,
  spawnFromForm,
  test,
  watchPluginErrors
} from './hub';

const STATUS_BAR = '#jp-main-statusbar';
const TOP = '#jp-top-panel';
const SLURM_PANEL = '#jupyterlab-hpc-slurm';

test.describe('JupyterLab spawned by JupyterHub in a Slurm job', () => {
  test('opens from the hub login and spawn form, in the job the user chose, with every plugin', async ({
    hubPage: tab,
    hub,
    api
  }) => {
    const user = hub!.users[0];
    const pluginErrors = watchPluginErrors(tab);

    // Given the hub's login page, where the user signs in with their password
    await logIn(tab, hub!, user);

    // Then the hub asks for the job's time limit, memory and CPUs
    await expect(tab).toHaveURL(/\/hub\/spawn/);
    const form = tab.locator('#spawn_form');
    await expect(form.getByLabel('Time limit')).toBeVisible();
    await tab.screenshot({
      path: path.join(IMAGES, 'hub-spawn-form.png'),
      clip: { x: 0, y: 0, width: 1024, height: 420 }
    });

    // When they choose 1 hour, 2 GB and 2 CPUs and start
    await spawnFromForm(tab, user, {
      runtime: '1 hour',
      memory: '2 GB',
      cpus: '2 CPUs'
    });

    // Then JupyterLab opens under the hub at /user/<name>/lab
    await expect(tab).toHaveURL(new RegExp(`/user/${user}/lab`));
    const server = await api.server(user);
    expect(server?.ready).toBe(true);

    // with every plugin loaded: our launcher categories, the Slurm panel, the
    // hub's top-bar items, and nothing in the console about a plugin
    for (const category of ['Applications', 'Dashboards', 'HPC Tools']) {
      await expect(
        tab.locator('.jp-Launcher-sectionTitle', { hasText: category })
      ).toBeVisible();
    }
    await expect(
      tab.locator('li[data-id="jupyterlab-hpc-slurm"]')
    ).toBeVisible();
    await expect(
      tab.getByRole('button', { name: 'Hub Control Panel' })
    ).toBeVisible();

    // and the time-left item names the job the hub started, counting down
    // from its 1 hour limit
    const job = tab.locator(`${STATUS_BAR} .jp-hpc-SessionMeter`);
    await expect(job).toHaveText(/^Job \d+· \d+m left$/, {
      timeout: 30 * 1000
    });
    const jobId = (await job.textContent())!.match(/^Job (\d+)/)![1];
    expect(hubJobs(hub!, user)).toEqual([jobId]);
    await expect(job).toHaveAttribute('title', /Time limit: 1h 0m/);
    const left = Number((await job.textContent())!.match(/(\d+)m left/)![1]);
    expect(left).toBeLessThan(60);
    expect(left).toBeGreaterThan(30);
    // (the server says so too, asked as JupyterLab asks: the hub's login
    // cookie and the XSRF token JupyterLab sends with it)
    const info = await tab.evaluate(async (url: string) => {
      const xsrf = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/)?.[1];
      const response = await fetch(url, {
        headers: xsrf ? { 'X-XSRFToken': decodeURIComponent(xsrf) } : {}
      });
      return response.json();
    }, `/user/${user}/jupyterlab-hpc/info`);
    expect(info).toMatchObject({ job: { id: jobId } });

    // and the memory meter's limit is the job's 2 GB: its memory cgroup, where
    // the testbed's Slurm confines jobs (task/cgroup), else Slurm's allocation
    const memory = tab.locator(`${STATUS_BAR} .jp-hpc-MemoryMeter`);
    await expect(memory).toHaveText(/^Mem[\d.]+ \/ 2\.0 GB$/);
    await expect(memory).toHaveAttribute('title', /of 2\.0 GB/);
    await expect(memory).toHaveAttribute(
      'title',
      /Limit: (the job's memory cgroup|the Slurm allocation)/
    );
    await tab.screenshot({ path: path.join(IMAGES, 'hub-lab.png') });

    expect(pluginErrors).toEqual([]);
  });

  test('marks its own job in the Slurm panel, warns before cancelling it, and ends the session through the hub', async ({
    page,
    hubPage: tab,
    hub,
    api
  }) => {
    const user = hub!.users[1];
    await logIn(tab, hub!, user);
    // (the smaller job: what the form says is what the job gets)
    await spawnFromForm(tab, user, {
      runtime: '30 minutes',
      memory: '1 GB',
      cpus: '1 CPU'
    });
    const meter = tab.locator(`${STATUS_BAR} .jp-hpc-SessionMeter`);
    await expect(meter).toHaveText(/^Job \d+/, { timeout: 30 * 1000 });
    await expect(meter).toHaveAttribute('title', /Time limit: 30m/);
    await expect(
      tab.locator(`${STATUS_BAR} .jp-hpc-MemoryMeter`)
    ).toHaveText(/\/ 1\.0 GB$/);
    const jobId = (await meter.textContent())!.match(/^Job (\d+)/)![1];

    // When the user opens the Slurm panel
    await tab.click('li[data-id="jupyterlab-hpc-slurm"]');
    const panel = tab.locator(SLURM_PANEL);
    await expect(panel).toBeVisible();
    // (wide enough for every column in the screenshot)
    await page.sidebar.setWidth(560, 'left');

    // Then the job JupyterLab runs in is there, marked as such
    const row = panel.locator(`tr.jp-hpc-SlurmJob[data-job-id="${jobId}"]`);
    await expect(row).toBeVisible({ timeout: 30 * 1000 });
    await expect(row.locator('.jp-hpc-SlurmJob-name')).toHaveText(
      `jupyterhub-${user}`
    );
    const badge = row.locator('.jp-hpc-SlurmSessionBadge');
    await expect(badge).toHaveText('this JupyterLab');
    await expect(badge).toHaveAttribute('title', /stops JupyterLab/);
    const box = (await panel.boundingBox())!;
    await tab.screenshot({
      path: path.join(IMAGES, 'hub-slurm-session.png'),
      clip: { x: box.x, y: box.y, width: box.width, height: 170 }
    });

    // When they select it and press Cancel
    await row
      .getByRole('checkbox', {
        name: `Select job ${jobId}, the job this JupyterLab runs in`
      })
      .check();
    await panel.locator('.jp-hpc-SlurmPanel-cancel').click();

    // Then a warning says this JupyterLab stops and unsaved work is lost
    let dialog = tab.locator('.jp-Dialog');
    await expect(dialog).toContainText('Stop this JupyterLab?');
    await expect(dialog).toContainText(
      `This JupyterLab runs in job ${jobId}: cancelling it stops this JupyterLab, and work that is not saved is lost.`
    );
    // and keeping the job changes nothing
    await dialog.getByRole('button', { name: 'Keep' }).click();
    await expect(dialog).toHaveCount(0);
    expect(hubJobs(hub!, user)).toEqual([jobId]);
    expect((await api.server(user))?.ready).toBe(true);

    // End Session is offered in the File menu and in the Slurm panel
    await page.menu.open('File');
    await expect(
      tab.locator('.lm-Menu-item:visible', { hasText: 'End Session' })
    ).toBeVisible();
    await page.menu.closeAll();
    const end = panel.getByRole('button', { name: 'End Session' });
    await expect(end).toBeEnabled();

    // When they end the session, they are asked first
    await end.click();
    dialog = tab.locator('.jp-Dialog');
    await expect(dialog).toContainText('End this session?');
    await expect(dialog).toContainText(
      `its Slurm job ${jobId} ends and the allocation is released`
    );
    await expect(dialog).toContainText('Work that is not saved is lost.');
    await tab.screenshot({ path: path.join(IMAGES, 'hub-end-session.png') });

    // and confirming stops the server through the hub: the tab ends on the
    // hub's home, the hub has no server for them, and the job is gone
    await dialog.getByRole('button', { name: 'End Session' }).click();
    await tab.waitForURL(/\/hub\/home/, { timeout: SPAWN_TIMEOUT });
    await expect
      .poll(() => api.server(user), { timeout: SPAWN_TIMEOUT })
      .toBeNull();
    await expect
      .poll(() => hubJobs(hub!, user), { timeout: SPAWN_TIMEOUT })
      .toEqual([]);
  });

  test('offers the Hub Control Panel and a confirmed Log out in the top bar', async ({
    hubPage: tab,
    hub,
    api
  }) => {
    const user = hub!.users[0];
    await logIn(tab, hub!, user);
    await spawnFromForm(tab, user, {
      runtime: '1 hour',
      memory: '2 GB',
      cpus: '2 CPUs'
    });
    const meter = tab.locator(`${STATUS_BAR} .jp-hpc-SessionMeter`);
    await expect(meter).toHaveText(/^Job \d+/, { timeout: 30 * 1000 });
    const jobId = (await meter.textContent())!.match(/^Job (\d+)/)![1];

    // Then the top bar has the hub's items, placed by settings
    const controlPanel = tab.locator(
      `${TOP} [data-jp-item-name="hpc-hub-control-panel"] .jp-ToolbarButtonComponent`
    );
    const logout = tab.locator(
      `${TOP} [data-jp-item-name="hpc-hub-logout"] .jp-ToolbarButtonComponent`
    );
    await expect(controlPanel).toHaveText('Hub Control Panel');
    await expect(logout).toHaveText('Log out');

    // When the user opens the control panel, the hub's home opens in a new tab
    const popup = tab.waitForEvent('popup');
    await controlPanel.click();
    const home = await popup;
    await expect(home).toHaveURL(/\/hub\/home/);
    await expect(
      home.getByRole('heading', { name: 'JupyterHub home page' })
    ).toBeVisible();
    await expect(
      home.getByRole('button', { name: 'Stop My Server' })
    ).toBeVisible();
    await home.close();

    // When they click Log out, they are asked first
    await logout.click();
    const dialog = tab.locator('.jp-Dialog');
    await expect(dialog).toContainText('Log out?');
    await expect(dialog).toContainText(
      'Logging out stops your running Jupyter servers, and the Slurm jobs they run in.'
    );

    // and confirming ends at the hub's login page, with the server stopped
    // and its job gone
    await dialog.getByRole('button', { name: 'Log out' }).click();
    await tab.waitForURL(/\/hub\/login/, { timeout: SPAWN_TIMEOUT });
    await expect(tab.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expect
      .poll(() => api.server(user), { timeout: SPAWN_TIMEOUT })
      .toBeNull();
    await expect
      .poll(() => hubJobs(hub!, user), { timeout: SPAWN_TIMEOUT })
      .not.toContain(jobId);
  });
});

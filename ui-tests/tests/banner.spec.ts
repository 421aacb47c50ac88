import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as path from 'path';

import { IMAGES } from './images';
import { themedStyle } from './theme';

// Set by ui-tests/jupyter_server_test_config.py.
const MESSAGE =
  'Maintenance on Tuesday 1 December, 08:00-18:00: save your work.';
const TOP = '#jp-top-panel';
/** The top-bar items of the hub commands (schema/hub.json). */
const HUB_ITEMS = `${TOP} [data-jp-item-name^="hpc-hub-"]`;

/**
 * Serve the lab page with JupyterHub's page config, as jupyterhub-singleuser
 * does: JupyterLab's own hub commands then exist.
 */
async function simulateHub(page: IJupyterLabPageFixture): Promise<void> {
  await page.route(/\/lab(\/|\?|$)/, async route => {
    if (route.request().resourceType() !== 'document') {
      return route.fallback();
    }
    const response = await route.fetch();
    const body = (await response.text()).replace(
      /(<script id="jupyter-config-data" type="application\/json">\s*\{)/,
      '$1"hubPrefix": "/hub/", "hubHost": "", "hubUser": "alice", "hubServerName": "",'
    );
    await route.fulfill({ response, body });
  });
}

test.describe('top-bar banner', () => {
  test('shows the admin banner with its level and the sandbox badge with its tooltip', async ({
    page
  }) => {
    const banner = page.locator(`${TOP} .jp-hpc-Banner`);
    // Then the admin's notice shows in the top bar, styled as a warning
    await expect(banner.locator('.jp-hpc-Banner-text')).toHaveText(MESSAGE);
    await expect(banner).toHaveClass(/\bjp-mod-warning\b/);
    await expect(banner).not.toHaveClass(/jp-mod-(info|critical)/);
    // and the sandbox badge explains itself, to the mouse and to screen readers
    const badge = banner.locator('.jp-hpc-Banner-sandbox');
    await expect(badge).toHaveText('Sandbox');
    await expect(badge).toHaveAttribute(
      'title',
      /unreachable from the host network/
    );
    await expect(badge).toHaveAccessibleDescription(
      /MPI\/NCCL jobs cannot reach this server/
    );
    // and it is not editable
    await expect(banner.locator('[contenteditable], input')).toHaveCount(0);
    // and outside a hub there are no hub buttons
    await expect(page.locator(`${HUB_ITEMS}:visible`)).toHaveCount(0);
    await banner.screenshot({ path: path.join(IMAGES, 'banner.png') });
  });

  test('follows the dark theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    const text = page.locator(`${TOP} .jp-hpc-Banner-text`);
    await expect(text).toHaveText(MESSAGE);
    // Its colours come from the theme's variables: the theme's text colour on
    // its own background, and the warning colour on the edge.
    const colour = await themedStyle(text, 'color', '--jp-ui-font-color0');
    const edge = await themedStyle(text, 'borderLeftColor', '--jp-warn-color1');
    expect(colour.dark).toBe(true);
    expect(colour.actual).toBe(colour.expected);
    expect(edge.actual).toBe(edge.expected);
    await page
      .locator(`${TOP} .jp-hpc-Banner`)
      .screenshot({ path: path.join(IMAGES, 'banner-dark.png') });
  });
});

test.describe('hub controls', () => {
  test.use({ autoGoto: false });

  test('open the control panel and log out after a confirmation under a hub', async ({
    page
  }) => {
    // Given JupyterLab spawned by a hub (its page config names the hub)
    await simulateHub(page);
    // (the hub's pages, and the server's /logout that JupyterLab's command
    // goes through, answer a stub instead of ending the test server's session)
    await page.route(/\/(hub\/.*|logout)$/, route =>
      route.fulfill({ status: 200, contentType: 'text/html', body: 'hub' })
    );
    await page.goto();
    const panel = page.locator(
      `${TOP} [data-jp-item-name="hpc-hub-control-panel"] .jp-ToolbarButtonComponent`
    );
    const logout = page.locator(
      `${TOP} [data-jp-item-name="hpc-hub-logout"] .jp-ToolbarButtonComponent`
    );
    await expect(panel).toBeVisible();
    await expect(panel).toHaveText('Hub Control Panel');
    await expect(logout).toHaveText('Log out');

    // When the user opens the control panel, the hub's home opens in a new tab
    const popup = page.waitForEvent('popup');
    await panel.click();
    await expect(await popup).toHaveURL(/\/hub\/home$/);

    // When the user clicks Log out, a confirmation says what stops
    await logout.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('stops your running Jupyter servers');
    await expect(dialog).toContainText('Slurm jobs');
    // and cancelling stays in JupyterLab
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    expect(page.url()).toMatch(/\/lab/);

    // while confirming leaves for the hub's log-out
    await logout.click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Log out' })
      .click();
    await page.waitForURL(/logout/);
  });

  test('are absent outside a hub', async ({ page }) => {
    await page.goto();
    await expect(page.locator(`${TOP} .jp-hpc-Banner`)).toBeVisible();
    // (the items are there, placed by settings, but JupyterLab's hub commands
    // are not registered: nothing is drawn)
    await expect(page.locator(HUB_ITEMS)).toHaveCount(2);
    await expect(page.locator(`${HUB_ITEMS}:visible`)).toHaveCount(0);
  });
});

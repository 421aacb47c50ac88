import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';
import * as path from 'path';

import { IMAGES } from './images';
import { ONE_FILE_BROWSER } from './settings';
import { themedStyle } from './theme';

test.use({ mockSettings: ONE_FILE_BROWSER });

/** Screenshots for the README come from these tests. */

/*
 * The test server's launcher (jupyter_server_test_config.py): the shipped
 * catalogue (whose programs are missing here), "Test app" (tests/apps/testapp.py,
 * three endpoints; GET /record answers its argv, env and request headers),
 * "Crashing app" (one endpoint, exits with code 3 and "--logdir is required"),
 * the Dask dashboard whose default port serves a fake dashboard page, and a
 * "Jean Zay documentation" link.
 */
const TEST_APP = '.jp-LauncherCard[title="Launch Test app"]';
const CRASH_APP = '.jp-LauncherCard[title="Launch Crashing app"]';
const DASK = '.jp-LauncherCard[title="Open Dask dashboard through the proxy"]';
const DOCS_URL = 'https://www.idris.fr/eng/jean-zay/';
const LAUNCH_DIALOG = '.jp-Dialog.jp-hpc-LaunchDialog';
const RUNNING_ITEM = '.jp-hpc-RunningApp';
/** An app starts, answers and is proxied within this. */
const STARTED_MS = 30000;

/** What the test app's GET /record answers. */
interface IRecord {
  argv: string[];
  env: { [name: string]: string };
  headers: { [name: string]: string };
}

/** An instance as `GET jupyterlab-hpc/apps/running` lists it. */
interface IInstance {
  name: string;
  endpoint: number;
  state: string;
}

/** The URL of a jupyterlab-hpc API route. */
function api(baseURL: string | undefined, route: string): string {
  return `${(baseURL ?? 'http://localhost:8888').replace(/\/$/, '')}/jupyterlab-hpc/${route}`;
}

/** The instances the server knows. */
async function running(
  request: APIRequestContext,
  baseURL: string | undefined
): Promise<IInstance[]> {
  const response = await request.get(api(baseURL, 'apps/running'));
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { instances: IInstance[] }).instances;
}

/** Stop every instance (they outlive pages). */
async function stopAll(
  request: APIRequestContext,
  baseURL: string | undefined
): Promise<void> {
  for (const { name, endpoint } of await running(request, baseURL)) {
    await request.delete(api(baseURL, `apps/${name}/${endpoint}`));
  }
}

/** Open a launcher in the main area and wait for the server's tiles. */
async function openLauncher(page: IJupyterLabPageFixture) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('launcher:create');
  });
  const launcher = page.locator('.jp-Launcher:visible');
  // The tiles of apps come with the catalogue (GET apps), after the page.
  await expect(launcher.locator(TEST_APP)).toBeVisible();
  return launcher;
}

/** Open the launch dialog of an app from its tile. */
async function openDialog(page: IJupyterLabPageFixture, tile: string) {
  const launcher = await openLauncher(page);
  await launcher.locator(tile).click();
  const dialog = page.locator(LAUNCH_DIALOG);
  await expect(dialog).toBeVisible();
  return dialog;
}

/** GET /record of the app a browser tab shows, sent with the tab's cookies. */
async function record(popup: Page): Promise<IRecord> {
  const response = await popup.request.get(new URL('record', popup.url()).href);
  expect(response.ok()).toBe(true);
  return (await response.json()) as IRecord;
}

test.describe('applications', () => {
  // Each test starts with no instance and leaves none.
  test.beforeEach(({ request, baseURL }) => stopAll(request, baseURL));
  test.afterEach(({ request, baseURL }) => stopAll(request, baseURL));

  test('the launcher orders the HPC categories and shows every tile with its icon', async ({
    page
  }) => {
    // Tall enough for every category, at the root folder (as a user starts)
    await page.setViewportSize({ width: 1024, height: 1600 });
    await page.filebrowser.openDirectory('/');
    const launcher = await openLauncher(page);
    await expect(launcher.locator(DASK)).toBeVisible();
    await expect(
      launcher.locator(
        `.jp-LauncherCard[title="Open ${DOCS_URL} in a new browser tab"]`
      )
    ).toBeVisible();

    // The categories in the order of DESIGN.md (Other last, when present)
    const titles = await launcher
      .locator('.jp-Launcher-sectionTitle')
      .allTextContents();
    const expected = [
      'Notebook',
      'Console',
      'Applications',
      'Dashboards',
      'HPC Tools',
      'Documentation'
    ];
    expect(titles).toEqual(
      titles.includes('Other') ? [...expected, 'Other'] : expected
    );

    // and every tile of ours has a drawn icon, not an empty box
    for (const category of expected.slice(2)) {
      const section = launcher.locator('.jp-Launcher-section').filter({
        has: page.locator('.jp-Launcher-sectionTitle', { hasText: category })
      });
      const cards = section.locator('.jp-LauncherCard');
      expect(await cards.count()).toBeGreaterThan(0);
      for (const card of await cards.all()) {
        const icon = card.locator('.jp-LauncherCard-icon svg');
        await expect(icon).toHaveCount(1);
        await expect(icon).toBeVisible();
        expect(
          await icon.evaluate(
            svg =>
              svg.querySelectorAll(
                'path, rect, circle, ellipse, polygon, polyline, line, image'
              ).length
          )
        ).toBeGreaterThan(0);
        const box = await icon.boundingBox();
        expect(box!.width).toBeGreaterThan(8);
        expect(box!.height).toBeGreaterThan(8);
      }
    }

    // The README shows the launcher from its top to the Documentation tiles
    const top = (await launcher.locator('.jp-Launcher-content').boundingBox())!;
    const last = (await launcher
      .locator('.jp-Launcher-section')
      .filter({
        has: page.locator('.jp-Launcher-sectionTitle', {
          hasText: 'Documentation'
        })
      })
      .boundingBox())!;
    await page.screenshot({
      path: path.join(IMAGES, 'launcher.png'),
      clip: {
        x: top.x,
        y: top.y,
        width: top.width,
        height: last.y + last.height - top.y + 4
      }
    });
  });

  test('the dialog launches the test app with shell-like arguments and opens it in a browser tab', async ({
    page,
    request,
    baseURL
  }) => {
    // Given endpoint 1 of the app is running already
    const launched = await request.post(api(baseURL, 'apps/testapp/1'), {
      data: { args: '--logdir runs', env: {} }
    });
    expect(launched.ok()).toBe(true);
    await expect
      .poll(async () => (await running(request, baseURL))[0]?.state, {
        timeout: STARTED_MS
      })
      .toBe('running');

    const dialog = await openDialog(page, TEST_APP);
    const form = dialog.locator('.jp-hpc-LaunchDialog-form[data-app="testapp"]');
    await expect(form.locator('.jp-hpc-LaunchDialog-hint')).toHaveText(
      'Any arguments; they are shown at /record.'
    );
    // Three endpoints, the running one marked; the first free one is chosen
    const endpoints = form.locator('.jp-hpc-LaunchDialog-endpoint');
    await expect(endpoints).toHaveCount(3);
    await expect(endpoints.nth(1)).toHaveAttribute('data-state', 'running');
    await expect(endpoints.nth(1)).toContainText('running');
    await expect(endpoints.nth(0)).toHaveAttribute('data-state', 'free');
    await expect(endpoints.nth(2)).toHaveAttribute('data-state', 'free');
    await expect(endpoints.nth(0).locator('input[type="radio"]')).toBeChecked();

    // When arguments are typed as in a shell, and a variable is added
    await form.locator('.jp-hpc-LaunchDialog-args').fill('--name "a b" $HOME');
    await form.locator('.jp-hpc-LaunchDialog-envAdd').click();
    const row = form.locator('.jp-hpc-LaunchDialog-envRow[data-row="0"]');
    await expect(row.locator('.jp-hpc-LaunchDialog-envName')).toBeFocused();
    await row.locator('.jp-hpc-LaunchDialog-envName').fill('GALATA_DATA');
    await row.locator('.jp-hpc-LaunchDialog-envValue').fill('~/galata');
    await dialog
      .locator('.jp-Dialog-content')
      .screenshot({ path: path.join(IMAGES, 'launch-dialog.png') });

    const popup = page.waitForEvent('popup');
    await dialog.locator('.jp-mod-accept').click();

    // Then a browser tab opens at once and ends at the app's own address
    const tab = await popup;
    await expect(dialog).toHaveCount(0);
    await tab.waitForURL(/\/testapp\/0\/$/, { timeout: STARTED_MS });
    await expect(tab.locator('h1')).toHaveText('test app');
    await expect(
      page.locator('.Toastify__toast').filter({
        hasText: 'Test app is running on endpoint 0.'
      })
    ).toBeVisible();

    // and the app got the words as a shell splits and expands them
    const { argv, env, headers } = await record(tab);
    expect(argv.slice(-3)).toEqual(['--name', 'a b', env.HOME]);
    expect(env.HOME).toMatch(/^\//);
    expect(env.GALATA_DATA).toBe(`${env.HOME}/galata`);
    // but neither this page nor the user's Jupyter cookies
    expect(await tab.evaluate(() => window.opener)).toBeNull();
    expect(await tab.context().cookies()).not.toEqual([]);
    const sent = Object.keys(headers).map(name => name.toLowerCase());
    expect(sent).not.toContain('cookie');
    expect(sent).not.toContain('authorization');
    await tab.close();
  });

  test('a refused argument shows the server message in the dialog and launches nothing', async ({
    page,
    request,
    baseURL
  }) => {
    const dialog = await openDialog(page, TEST_APP);
    const args = dialog.locator('.jp-hpc-LaunchDialog-args');

    // When a command substitution is typed
    await args.fill('$(touch x)');
    const opened = page.waitForEvent('popup');
    await dialog.locator('.jp-mod-accept').click();

    // Then the dialog stays, with the server's own words
    const error = dialog.locator('.jp-hpc-LaunchDialog-error');
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('role', 'alert');
    const refusal = await request.post(api(baseURL, 'apps/testapp/0'), {
      data: { args: '$(touch x)', env: {} }
    });
    expect(refusal.status()).toBe(400);
    const { message } = (await refusal.json()) as { message: string };
    expect(message).toMatch(/command substitution/);
    await expect(error).toHaveText(message);
    await expect(args).toHaveValue('$(touch x)');
    await expect(dialog.locator('.jp-hpc-LaunchDialog-busy')).toHaveCount(0);

    // and nothing was started: the tab opened in the click is closed, no
    // instance, no file
    const waiting = await opened;
    await expect.poll(() => waiting.isClosed()).toBe(true);
    expect(await running(request, baseURL)).toEqual([]);
    expect(await page.contents.fileExists('x')).toBe(false);

    // The user fixes the text and launches from the same dialog
    await args.fill("'$(touch x)'");
    const popup = page.waitForEvent('popup');
    await dialog.locator('.jp-mod-accept').click();
    const tab = await popup;
    await expect(dialog).toHaveCount(0);
    await tab.waitForURL(/\/testapp\/0\/$/, { timeout: STARTED_MS });
    expect((await record(tab)).argv.slice(-1)).toEqual(['$(touch x)']);
    expect(await page.contents.fileExists('x')).toBe(false);
    await tab.close();
  });

  test('an app that fails at start shows its exit code and the end of its log', async ({
    page
  }) => {
    const dialog = await openDialog(page, CRASH_APP);
    // One endpoint: no choice to make
    await expect(dialog.locator('.jp-hpc-LaunchDialog-endpoints')).toHaveCount(0);
    const opened = page.waitForEvent('popup');
    await dialog.locator('.jp-mod-accept').click();
    await expect(dialog).toHaveCount(0);

    // Then an error notification says how it ended
    const toast = page
      .locator('.Toastify__toast')
      .filter({ hasText: 'Crashing app · 0' });
    await expect(toast).toBeVisible({ timeout: STARTED_MS });
    await expect(toast).toContainText(/exit\w* with code 3/);
    // and the last line of its log, the error itself
    await expect(toast).toContainText("--logdir is required");
    // and the tab opened for it is closed again
    const waiting = await opened;
    await expect.poll(() => waiting.isClosed()).toBe(true);

    // Details: the reason and the last lines of its log
    await toast.getByRole('button', { name: 'Details' }).click();
    const failure = page.locator('.jp-Dialog .jp-hpc-AppFailure');
    await expect(failure.locator('.jp-hpc-AppFailure-message')).toContainText(
      /exit\w* with code 3/
    );
    await expect(failure.locator('.jp-hpc-AppFailure-log')).toContainText(
      '--logdir is required'
    );

    // and from there, the whole log in a tab
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await expect(
      page.locator('#jp-hpc-log-crashapp-0 .jp-hpc-AppLog-text')
    ).toContainText('--logdir is required');
  });

  test('the Running panel lists an app, shows its log and shuts it down', async ({
    page,
    request,
    baseURL
  }) => {
    // Given two instances of the test app
    for (const endpoint of [0, 1]) {
      const launched = await request.post(api(baseURL, `apps/testapp/${endpoint}`), {
        data: { args: `--endpoint ${endpoint}`, env: {} }
      });
      expect(launched.ok()).toBe(true);
    }

    await page.sidebar.openTab('jp-running-sessions');
    const panel = page.locator('#jp-running-sessions');
    const item = panel.locator(`${RUNNING_ITEM}[data-context="testapp/0"]`);
    const other = panel.locator(`${RUNNING_ITEM}[data-context="testapp/1"]`);
    await expect(item.locator('.jp-RunningSessions-itemLabel')).toHaveText(
      'Test app · 0'
    );
    await expect(item.locator('.jp-RunningSessions-itemDetail')).toHaveText(
      'running',
      { timeout: STARTED_MS }
    );
    await expect(other.locator('.jp-RunningSessions-itemDetail')).toHaveText(
      'running',
      { timeout: STARTED_MS }
    );
    // The README shows the Applications section of the panel
    await page.sidebar.setWidth(360, 'left');
    const heading = (await panel
      .getByRole('heading', { name: 'Applications Section' })
      .boundingBox())!;
    const last = (await other.boundingBox())!;
    await page.screenshot({
      path: path.join(IMAGES, 'running-apps.png'),
      clip: {
        x: heading.x,
        y: heading.y,
        width: heading.width,
        height: last.y + last.height - heading.y + 8
      }
    });

    // Its context menu shows the log
    await item.click({ button: 'right' });
    await page.click('.lm-Menu-item:has-text("Show Log")');
    await expect(
      page.locator('#jp-hpc-log-testapp-0 .jp-hpc-AppLog-text')
    ).toContainText('testapp listening');

    // Its cross shuts it down, and only it
    await item.hover();
    await item.locator('.jp-RunningSessions-itemShutdown').click();
    await expect(item).toHaveCount(0);
    await expect(other).toBeVisible();
    expect(
      (await running(request, baseURL)).map(i => `${i.name}/${i.endpoint}`)
    ).toEqual(['testapp/1']);

    // Shut Down All stops the rest, after asking
    await panel
      .getByRole('heading', { name: 'Applications Section' })
      .locator('.jp-RunningSessions-shutdownAll')
      .click();
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText('Test app · 1');
    await confirm.locator('.jp-mod-accept').click();
    await expect(other).toHaveCount(0);
    await expect.poll(() => running(request, baseURL)).toEqual([]);
  });

  test('opens in a JupyterLab tab with the openIn setting', async ({
    page
  }) => {
    const tabs: Page[] = [];
    page.on('popup', tab => tabs.push(tab));
    await page.evaluate(async () => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry?.set('jupyterlab-hpc:apps', 'openIn', 'jupyterlab-tab');
    });

    const dialog = await openDialog(page, TEST_APP);
    await dialog.locator('.jp-hpc-LaunchDialog-args').fill('--in-a-tab');
    await dialog.locator('.jp-mod-accept').click();
    await expect(dialog).toHaveCount(0);

    // Then a JupyterLab tab shows the app in a frame, and no browser tab opened
    const tab = page.locator('#jp-hpc-app-testapp-0');
    await expect(tab).toBeVisible({ timeout: STARTED_MS });
    await expect(
      page.locator(
        '#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel'
      )
    ).toHaveText('Test app · 0');
    const iframe = page.locator('.jp-hpc-AppFrame[data-page="testapp/0"] iframe');
    await expect(iframe).toHaveAttribute('src', /\/testapp\/0\/$/);
    await expect(iframe.contentFrame().locator('h1')).toHaveText('test app');
    expect(tabs).toEqual([]);
  });

  test('a dashboard opens through the proxy after its port is checked', async ({
    page
  }) => {
    const launcher = await openLauncher(page);
    await launcher.locator(DASK).click();
    const dialog = page.locator('.jp-Dialog.jp-hpc-DashboardDialog');
    const port = dialog.locator('.jp-hpc-DashboardDialog-port');

    // The port is prefilled with the dashboard's default, named in the hint
    await expect(port).toHaveValue(/^\d+$/);
    const fake = await port.inputValue();
    await expect(dialog.locator('.jp-hpc-DashboardDialog-hint')).toContainText(
      `port ${fake}`
    );

    // A port where nothing answers is refused in the dialog
    await port.fill('1');
    const opened = page.waitForEvent('popup');
    await dialog.locator('.jp-mod-accept').click();
    const error = dialog.locator('.jp-hpc-LaunchDialog-error');
    await expect(error).toContainText(
      'Dask dashboard: nothing answers on port 1 of this node.'
    );
    await expect(error).toHaveAttribute('role', 'alert');
    const waiting = await opened;
    await expect.poll(() => waiting.isClosed()).toBe(true);

    // The right one opens the dashboard in a browser tab
    await port.fill(fake);
    const popup = page.waitForEvent('popup');
    await dialog.locator('.jp-mod-accept').click();
    const tab = await popup;
    await expect(dialog).toHaveCount(0);
    await tab.waitForURL(new RegExp(`/jupyterlab-hpc/proxy/${fake}/status$`));
    await expect(tab.locator('body')).toContainText('Fake Dask dashboard');
    await tab.close();
  });

  test('the dialog can be filled and sent with the keyboard alone', async ({
    page
  }) => {
    const dialog = await openDialog(page, TEST_APP);
    const form = dialog.locator('.jp-hpc-LaunchDialog-form');
    const args = form.locator('.jp-hpc-LaunchDialog-args');
    // The arguments field has the focus
    await expect(args).toBeFocused();

    // Endpoint 1, from the radio group before the field (each endpoint
    // keeps its own values, so it is chosen first)
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('ArrowRight');
    await expect(
      form.locator('[data-endpoint="1"] input[type="radio"]')
    ).toBeChecked();
    await page.keyboard.press('Tab');
    await expect(args).toBeFocused();
    await page.keyboard.type('--keyboard');

    // A variable: Tab to "Add variable", Enter adds a row and focuses its name
    await page.keyboard.press('Tab');
    await expect(form.locator('.jp-hpc-LaunchDialog-envAdd')).toBeFocused();
    await page.keyboard.press('Enter');
    const row = form.locator('.jp-hpc-LaunchDialog-envRow[data-row="0"]');
    await expect(row.locator('.jp-hpc-LaunchDialog-envName')).toBeFocused();
    await page.keyboard.type('VIA_KEYBOARD');
    await page.keyboard.press('Tab');
    await page.keyboard.type('yes');
    await expect(dialog).toBeVisible();

    // Enter launches
    const popup = page.waitForEvent('popup');
    await page.keyboard.press('Enter');
    const tab = await popup;
    await expect(dialog).toHaveCount(0);
    await tab.waitForURL(/\/testapp\/1\/$/, { timeout: STARTED_MS });
    const { argv, env } = await record(tab);
    expect(argv.slice(-1)).toEqual(['--keyboard']);
    expect(env.VIA_KEYBOARD).toBe('yes');
    await tab.close();
  });

  test('the dialog is readable in the dark theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    const dialog = await openDialog(page, TEST_APP);
    await dialog.locator('.jp-hpc-LaunchDialog-args').fill('--logdir ~/runs');
    await dialog.locator('.jp-hpc-LaunchDialog-envAdd').click();
    // The hint and the variable's fields take the theme's colours
    const colours = await themedStyle(
      dialog.locator('.jp-hpc-LaunchDialog-hint'),
      'color',
      '--jp-ui-font-color1'
    );
    expect(colours.actual).toBe(colours.expected);
    expect(colours.actual).toMatch(/^rgba?\(2\d\d, 2\d\d, 2\d\d/);
    await expect(
      dialog.locator('.jp-hpc-LaunchDialog-envName')
    ).toBeFocused();
    await dialog.locator('.jp-Dialog-content').screenshot({
      path: path.join(IMAGES, 'launch-dialog-dark.png')
    });
  });
});

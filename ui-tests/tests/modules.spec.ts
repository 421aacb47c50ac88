import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { IMAGES } from './images';
import { ONE_FILE_BROWSER } from './settings';
import { themedStyle } from './theme';

test.use({ mockSettings: ONE_FILE_BROWSER });

/** Screenshots for the docs come from these tests. */

/*
 * The test server (jupyter_server_test_config.py) uses a copy of the module
 * testbed's tree (scripts/modules-testbed): python/3.11 and pytorch/2.1 are
 * venvs with ipykernel, each setting TESTBED_MODULE to its own name.
 * galata/1.0 and fragile/1.0, with a kernel each, wait outside the tree
 * (modules/extra) until a test adds them. Kernels are looked for again only
 * every 15 minutes. TensorBoard loads tensorboard/2.18; 2.17 exists too.
 */
const MODULES = path.resolve(__dirname, '..', '.jupyter-tmp', 'modules');
const MODULEFILES = path.join(MODULES, 'modulefiles');
const PYTORCH = 'Python 3 (pytorch/2.1)';
const PYTHON = 'Python 3 (python/3.11)';
const FRAGILE = 'Python 3 (fragile/1.0)';
const ADDED = 'Python 3 (galata/1.0)';
const TENSORBOARD = '.jp-LauncherCard[title="Launch TensorBoard"]';
const LAUNCH_DIALOG = '.jp-Dialog.jp-hpc-LaunchDialog';
/** A module kernel starts (a purge, a load, then ipykernel) within this. */
const KERNEL_MS = 60000;

/** The launcher card of a kernel in a section: Notebook or Console. */
function kernelCard(name: string, section = 'Notebook'): string {
  return `.jp-LauncherCard[data-category="${section}"][title="${name}"]`;
}

/** The URL of a route of the server. */
function url(baseURL: string | undefined, route: string): string {
  return `${(baseURL ?? 'http://localhost:8888').replace(/\/$/, '')}/${route}`;
}

/** What `GET jupyterlab-hpc/modules` says of the kernels. */
interface IModules {
  available: boolean;
  reason: string | null;
  kernels: { name: string; display_name: string; module: string }[];
  refreshing: boolean;
}

/** `GET jupyterlab-hpc/modules`. */
async function modules(
  request: APIRequestContext,
  baseURL: string | undefined
): Promise<IModules> {
  const response = await request.get(url(baseURL, 'jupyterlab-hpc/modules'));
  expect(response.ok()).toBe(true);
  return (await response.json()) as IModules;
}

/** Shut down every kernel session (they outlive pages). */
async function shutDownSessions(
  request: APIRequestContext,
  baseURL: string | undefined
): Promise<void> {
  const response = await request.get(url(baseURL, 'api/sessions'));
  for (const session of (await response.json()) as { id: string }[]) {
    await request.delete(url(baseURL, `api/sessions/${session.id}`));
  }
}

/** Open a launcher in the main area, once it shows the module kernels. */
async function openLauncher(page: IJupyterLabPageFixture) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('launcher:create');
  });
  const launcher = page.locator('.jp-Launcher:visible');
  await expect(launcher.locator(kernelCard(PYTORCH))).toBeVisible();
  return launcher;
}

/**
 * Start a notebook on a module kernel from its launcher card, run
 * `import sys, os; print(sys.prefix, os.environ.get("TESTBED_MODULE"))` in
 * it, and answer what it printed.
 */
async function prefixAndModule(
  page: IJupyterLabPageFixture,
  kernel: string
): Promise<string> {
  const launcher = await openLauncher(page);
  await launcher.locator(kernelCard(kernel)).click();
  const panel = page.locator('.jp-NotebookPanel:visible');
  await expect(panel.locator('.jp-Toolbar-kernelName')).toContainText(kernel);
  await page.notebook.setCell(
    0,
    'code',
    'import sys, os; print(sys.prefix, os.environ.get("TESTBED_MODULE"))'
  );
  await page.notebook.runCell(0);
  const output = panel.locator('.jp-OutputArea-output').first();
  await expect(output).toContainText(/\S+ \S+/, { timeout: KERNEL_MS });
  return ((await output.textContent()) ?? '').trim();
}

test.describe('environment modules', () => {
  test.beforeAll(async ({ request, baseURL }) => {
    // The server's first search for kernels, started with it, is done.
    const first = await modules(request, baseURL);
    expect(
      first.available,
      `No module tree (${first.reason}): run scripts/modules-testbed start, as make test-ui does.`
    ).toBe(true);
    await expect
      .poll(
        async () =>
          (await modules(request, baseURL)).kernels.map(k => k.display_name),
        { timeout: 120000 }
      )
      .toEqual(expect.arrayContaining([PYTORCH, PYTHON]));
  });

  test.afterEach(({ request, baseURL }) => shutDownSessions(request, baseURL));

  test('the launcher shows the kernels of modules beside the others, in Notebook and Console', async ({
    page
  }) => {
    await page.setViewportSize({ width: 1024, height: 900 });
    const launcher = await openLauncher(page);

    for (const section of ['Notebook', 'Console']) {
      for (const kernel of [PYTORCH, PYTHON]) {
        await expect(launcher.locator(kernelCard(kernel, section))).toBeVisible();
      }
      // next to the server's own kernel
      await expect(
        launcher.locator(kernelCard('Python 3 (ipykernel)', section))
      ).toBeVisible();
    }
    // A module without a kernel (gcc/12, tensorboard) has no card
    await expect(
      launcher.locator('.jp-LauncherCard[title*="gcc/12"]')
    ).toHaveCount(0);

    // The docs show the Notebook and Console sections
    const sections = launcher.locator('.jp-Launcher-section');
    const top = (await sections.nth(0).boundingBox())!;
    const console = (await sections.nth(1).boundingBox())!;
    await page.screenshot({
      path: path.join(IMAGES, 'launcher-module-kernels.png'),
      clip: {
        x: top.x,
        y: top.y,
        width: top.width,
        height: console.y + console.height - top.y + 4
      }
    });
  });

  test('notebooks on kernels of two modules run side by side, each in its own module', async ({
    page,
    request,
    baseURL
  }) => {
    const pytorch = await prefixAndModule(page, PYTORCH);
    const python = await prefixAndModule(page, PYTHON);

    expect(pytorch).toMatch(/\/envs\/pytorch-2\.1 pytorch\/2\.1$/);
    expect(python).toMatch(/\/envs\/python-3\.11 python\/3\.11$/);
    // and both kernels still run
    const response = await request.get(url(baseURL, 'api/sessions'));
    const kernels = ((await response.json()) as { kernel: { name: string } }[])
      .map(session => session.kernel.name)
      .sort();
    expect(kernels).toEqual([
      'module-python-3.11-python3',
      'module-pytorch-2.1-python3'
    ]);
  });

  test('Refresh Module Kernels shows a module added to the tree at once', async ({
    page,
    request,
    baseURL
  }) => {
    const added = path.join(MODULEFILES, 'galata');
    try {
      const launcher = await openLauncher(page);
      await expect(launcher.locator(kernelCard(ADDED))).toHaveCount(0);

      // When an admin adds a module with a kernel, and the user refreshes
      fs.cpSync(path.join(MODULES, 'extra', 'galata'), added, {
        recursive: true
      });
      await page.menu.clickMenuItem('Kernel>Refresh Module Kernels');

      // Then the search is said, and its kernel shows in the launcher
      await expect(
        page
          .locator('.Toastify__toast')
          .filter({ hasText: /Found \d+ kernels in modules/ })
      ).toBeVisible({ timeout: KERNEL_MS });
      await expect(launcher.locator(kernelCard(ADDED))).toBeVisible();
      await expect(
        launcher.locator(kernelCard(ADDED, 'Console'))
      ).toBeVisible();
    } finally {
      fs.rmSync(added, { recursive: true, force: true });
      await request.post(
        url(baseURL, 'jupyterlab-hpc/modules/kernels/refresh')
      );
    }
  });

  test("a kernel whose module no longer loads fails at once with Lmod's message", async ({
    page,
    request,
    baseURL
  }) => {
    const fragile = path.join(MODULEFILES, 'fragile');
    try {
      // Given a module whose kernel was found, and the launcher showing it
      fs.cpSync(path.join(MODULES, 'extra', 'fragile'), fragile, {
        recursive: true
      });
      await page.evaluate(async () => {
        await window.jupyterapp.commands.execute(
          'jupyterlab-hpc:refresh-module-kernels'
        );
      });
      const launcher = await openLauncher(page);
      await expect(launcher.locator(kernelCard(FRAGILE))).toBeVisible();

      // When the module is broken, then its kernel started
      fs.writeFileSync(
        path.join(fragile, '1.0.lua'),
        'LmodError("fragile/1.0 was broken by the Galata test")\n'
      );
      await launcher.locator(kernelCard(FRAGILE)).click();

      // Then JupyterLab says the kernel did not start, in Lmod's words
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('.jp-Dialog-header')).toHaveText(
        'Error Starting Kernel',
        { timeout: KERNEL_MS }
      );
      await expect(dialog.locator('.jp-Dialog-body')).toContainText(
        'fragile/1.0 was broken by the Galata test'
      );
      await dialog.locator('.jp-mod-accept').click();
      // and the notebook is left without a kernel, not "starting"
      await expect(
        page.locator('.jp-NotebookPanel:visible .jp-Toolbar-kernelName')
      ).toContainText('No Kernel');
    } finally {
      fs.rmSync(fragile, { recursive: true, force: true });
      await request.post(
        url(baseURL, 'jupyterlab-hpc/modules/kernels/refresh')
      );
    }
  });

  test('the TensorBoard launch dialog offers the versions of its module', async ({
    page
  }) => {
    const launcher = await openLauncher(page);
    await launcher.locator(TENSORBOARD).click();
    const dialog = page.locator(LAUNCH_DIALOG);
    const modulesSection = dialog.locator('.jp-hpc-LaunchDialog-modules');
    await expect(modulesSection.locator('legend')).toHaveText('Modules');

    // One select, labelled with the module's name, the configured version chosen
    const select = dialog.getByLabel('tensorboard', { exact: true });
    await expect(select).toHaveValue('tensorboard/2.18');
    await expect(select.locator('option')).toHaveText([
      'tensorboard/2.17',
      'tensorboard/2.18 (default)'
    ]);

    // The keyboard reaches it from the arguments field and changes it
    await expect(dialog.locator('.jp-hpc-LaunchDialog-args')).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(select).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await expect(select).toHaveValue('tensorboard/2.17');

    await dialog.locator('.jp-hpc-LaunchDialog-args').fill('--logdir runs');
    await dialog
      .locator('.jp-Dialog-content')
      .screenshot({ path: path.join(IMAGES, 'launch-dialog-modules.png') });
  });

  test('TensorBoard starts from the version chosen, and the Running panel says which', async ({
    page,
    request,
    baseURL
  }) => {
    try {
      const launcher = await openLauncher(page);
      await launcher.locator(TENSORBOARD).click();
      const dialog = page.locator(LAUNCH_DIALOG);
      await dialog
        .getByLabel('tensorboard', { exact: true })
        .selectOption('tensorboard/2.17');
      await dialog.locator('.jp-hpc-LaunchDialog-args').fill('--logdir .');

      const popup = page.waitForEvent('popup');
      await dialog.locator('.jp-mod-accept').click();

      // Then TensorBoard answers through the proxy, in its own tab
      const tab = await popup;
      await expect(dialog).toHaveCount(0);
      await tab.waitForURL(/\/tensorboard\/0\/$/, { timeout: KERNEL_MS });
      await expect(tab).toHaveTitle('TensorBoard', { timeout: KERNEL_MS });
      await tab.close();
      // and the Running panel names the module it runs in
      await page.sidebar.openTab('jp-running-sessions');
      const item = page.locator(
        '#jp-running-sessions .jp-hpc-RunningApp[data-context="tensorboard/0"]'
      );
      await expect(item.locator('.jp-RunningSessions-itemDetail')).toHaveText(
        'running · tensorboard/2.17'
      );
    } finally {
      await request.delete(url(baseURL, 'jupyterlab-hpc/apps/tensorboard/0'));
    }
  });

  test('the modules of the dialog are readable in the dark theme', async ({
    page
  }) => {
    await page.theme.setDarkTheme();
    const launcher = await openLauncher(page);
    await launcher.locator(TENSORBOARD).click();
    const dialog = page.locator(LAUNCH_DIALOG);
    const select = dialog.getByLabel('tensorboard', { exact: true });
    await expect(select).toHaveValue('tensorboard/2.18');

    // The select takes the theme's colours
    const colours = await themedStyle(select, 'color', '--jp-ui-font-color0');
    expect(colours.dark).toBe(true);
    expect(colours.actual).toBe(colours.expected);
    await dialog.locator('.jp-Dialog-content').screenshot({
      path: path.join(IMAGES, 'launch-dialog-modules-dark.png')
    });
  });
});

import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { IMAGES } from './images';
import { themedStyle } from './theme';

/** The fake cgroup tree the test server reads (see jupyter_server_test_config.py). */
const CURRENT = path.resolve(
  __dirname,
  '..',
  '.jupyter-tmp',
  'cgroup',
  'job',
  'memory.current'
);
const GIB = 1024 ** 3;
/** Screenshots for the README come from these tests. */

test.describe('memory meter', () => {
  test.afterEach(() => {
    fs.writeFileSync(CURRENT, `${Math.round(1.2 * GIB)}\n`);
  });

  test('shows memory used against the job limit, with its source', async ({
    page
  }) => {
    const meter = page.locator('#jp-main-statusbar .jp-hpc-MemoryMeter');

    await expect(meter).toHaveText('Mem1.2 / 5.0 GB');
    await expect(meter).toHaveAttribute('title', /Memory used: 1\.2 GB of 5\.0 GB/);
    await expect(meter).toHaveAttribute('title', /memory cgroup/);
    await expect(meter).not.toHaveClass(/jp-mod-warn/);

    await page.locator('#jp-main-statusbar').screenshot({
      path: path.join(IMAGES, 'memory-meter.png')
    });
  });

  test('turns to its warning style when the job nears its limit', async ({
    page
  }) => {
    const meter = page.locator('#jp-main-statusbar .jp-hpc-MemoryMeter');
    await expect(meter).toHaveText('Mem1.2 / 5.0 GB');

    // The job's processes grow to 4.5 GiB of their 5 GiB limit.
    fs.writeFileSync(CURRENT, `${Math.round(4.5 * GIB)}\n`);

    await expect(meter).toHaveText('Mem4.5 / 5.0 GB', { timeout: 15000 });
    await expect(meter).toHaveClass(/jp-mod-warn/);
    await expect(meter).toHaveAttribute('title', /Above 80% of the limit/);
    await page.locator('#jp-main-statusbar').screenshot({
      path: path.join(IMAGES, 'memory-meter-warn.png')
    });
  });

  test('is readable in the dark theme', async ({ page }) => {
    const meter = page.locator('#jp-main-statusbar .jp-hpc-MemoryMeter');
    await page.theme.setDarkTheme();
    await expect(meter).toHaveText('Mem1.2 / 5.0 GB');

    // The meter follows the theme's variables instead of hard-coded colours:
    // its text has the theme's font colour, the same as a probe element using it.
    const colours = await themedStyle(meter, 'color', '--jp-ui-font-color1');
    expect(colours.dark).toBe(true);
    expect(colours.actual).toBe(colours.expected);
    await page.locator('#jp-main-statusbar').screenshot({
      path: path.join(IMAGES, 'memory-meter-dark.png')
    });
  });

  test('follows the warning threshold setting', async ({
    page
  }) => {
    const meter = page.locator('#jp-main-statusbar .jp-hpc-MemoryMeter');
    fs.writeFileSync(CURRENT, `${3 * GIB}\n`);
    await expect(meter).toHaveText('Mem3.0 / 5.0 GB', { timeout: 15000 });
    await expect(meter).not.toHaveClass(/jp-mod-warn/);

    await page.evaluate(async () => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry?.set('jupyterlab-hpc:memory', 'warnFraction', 0.5);
    });

    await expect(meter).toHaveClass(/jp-mod-warn/);
  });
});

import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import * as path from 'path';

import { IMAGES } from './images';
import { themedStyle } from './theme';

/** Screenshots for the README come from these tests. */

/*
 * The test server samples every second: its own process tree's CPU time
 * against the cores it may use, the fake cgroup's 1.2 of 5 GiB, a running fake
 * RAPL tree, a fake nvidia-smi whose GPUs 1 and 2 are the job's, and a local
 * replay of éCO2mix (see jupyter_server_test_config.py and fake_hardware.py).
 */
const STATUS_BAR = '#jp-main-statusbar';

/** The toggle of a series above the chart. */
function toggle(page: Page, key: string): Locator {
  return page.locator(`.jp-hpc-History-toggle.jp-hpc-History-${key}`);
}

/** How many points a drawn line goes through. */
async function pointCount(line: Locator): Promise<number> {
  const d = (await line.getAttribute('d')) ?? '';
  return d.split(/[ML]/).filter(part => part.trim()).length;
}

/** Run the history command from the command palette, as a user would. */
async function openFromPalette(page: Page): Promise<void> {
  await page.keyboard.press('Control+Shift+C');
  const input = page.locator('#modal-command-palette .lm-CommandPalette-input');
  await expect(input).toBeVisible();
  await input.fill('Usage and Power History');
  await page
    .locator('#modal-command-palette .lm-CommandPalette-item', {
      hasText: 'Usage and Power History'
    })
    .first()
    .click();
}

test.describe('usage history', () => {
  test('shows the cores busy against their limit when the CPU series is turned on', async ({
    page
  }) => {
    // The CPU meter has measured the cores at least once.
    await expect(page.locator(`${STATUS_BAR} .jp-hpc-CpuMeter`)).toHaveText(
      /^CPU[\d.]+ \/ [\d.]+ cores$/,
      { timeout: 30 * 1000 }
    );

    await openFromPalette(page);
    const panel = page.locator('.jp-hpc-History');
    const chart = panel.locator('.jp-hpc-History-chart');
    await expect(chart).toBeVisible();
    const units = chart.locator('.jp-hpc-History-unit');
    // Power and CO2 until the user chooses: no cores yet.
    await expect(units).toHaveText(['Power (W)', /^CO2 \((g|kg)\)$/]);
    const cores = toggle(page, 'cores');
    await expect(cores).toHaveAttribute('aria-pressed', 'false');
    await expect(cores).toContainText(/[\d.]+ \/ [\d.]+ cores/);

    // By keyboard: the toggle is a button in the tab order.
    await cores.focus();
    await page.keyboard.press('Space');

    await expect(cores).toHaveAttribute('aria-pressed', 'true');
    await expect(units).toHaveText([
      'Power (W)',
      /^CO2 \((g|kg)\)$/,
      'CPU (cores)'
    ]);
    const line = chart.locator('path.jp-hpc-History-line.jp-mod-cores');
    await expect(line).toHaveCount(1);
    // A line through several samples, not a single dot.
    await expect
      .poll(() => pointCount(line), { timeout: 30 * 1000 })
      .toBeGreaterThan(2);
    await expect(
      chart.locator('path.jp-hpc-History-limit.jp-mod-cores')
    ).toHaveCount(1);
    await expect(chart.locator('.jp-hpc-History-limitLabel')).toHaveText(
      /^limit [\d.]+$/
    );

    // Turning the CPU power off leaves the GPU power in the watts' plot.
    const cpu = toggle(page, 'cpu');
    await cpu.click();
    await expect(cpu).toHaveAttribute('aria-pressed', 'false');
    await expect(chart.locator('.jp-hpc-History-line.jp-mod-cpu')).toHaveCount(
      0
    );
    await expect(chart.locator('.jp-hpc-History-line.jp-mod-gpu')).toHaveCount(
      1
    );

    // The choice is kept: the reloaded page shows the same series.
    await page.reload();
    await openFromPalette(page);
    await expect(toggle(page, 'cores')).toHaveAttribute('aria-pressed', 'true');
    await expect(toggle(page, 'cpu')).toHaveAttribute('aria-pressed', 'false');
    await expect(
      page.locator('.jp-hpc-History-chart path.jp-hpc-History-line.jp-mod-cores')
    ).toHaveCount(1);
  });

  test('charts every unit in a plot of its own, in light and dark themes', async ({
    page
  }) => {
    await expect(page.locator(`${STATUS_BAR} .jp-hpc-CpuMeter`)).toHaveText(
      /^CPU[\d.]+ \/ [\d.]+ cores$/,
      { timeout: 30 * 1000 }
    );
    await openFromPalette(page);
    const panel = page.locator('.jp-hpc-History');
    const chart = panel.locator('.jp-hpc-History-chart');
    await expect(chart).toBeVisible();
    for (const key of ['cores', 'memory', 'gpuUtil']) {
      await toggle(page, key).click();
      await expect(toggle(page, key)).toHaveAttribute('aria-pressed', 'true');
    }
    await expect(chart.locator('.jp-hpc-History-unit')).toHaveText([
      'Power (W)',
      /^CO2 \((g|kg)\)$/,
      'CPU (cores)',
      'Memory (GB)',
      'GPU utilisation (%)'
    ]);
    // The fake GPUs 1 and 2: 97 % and 12 % busy.
    await expect(toggle(page, 'gpuUtil')).toContainText('55%');
    await expect(toggle(page, 'memory')).toContainText(/[\d.]+ \/ 5\.0 GB/);
    await expect
      .poll(() => pointCount(chart.locator('.jp-hpc-History-line.jp-mod-cores')), {
        timeout: 30 * 1000
      })
      .toBeGreaterThan(2);
    await panel.screenshot({ path: path.join(IMAGES, 'history.png') });

    await page.theme.setDarkTheme();
    await expect(chart).toBeVisible();
    const colours = await themedStyle(
      toggle(page, 'cores'),
      'color',
      '--jp-ui-font-color1'
    );
    expect(colours.dark).toBe(true);
    expect(colours.actual).toBe(colours.expected);
    await panel.screenshot({ path: path.join(IMAGES, 'history-dark.png') });
  });

  test('opens from the CPU power meter', async ({ page }) => {
    const meter = page.locator(`${STATUS_BAR} .jp-hpc-CpuPowerMeter`);
    await expect(meter).toHaveText(/^CPU4[4-6] \/ 120 W$/, { timeout: 20000 });

    await meter.focus();
    await page.keyboard.press('Enter');

    const chart = page.locator('.jp-hpc-History-chart');
    await expect(chart).toBeVisible();
    await expect(chart.locator('.jp-hpc-History-line.jp-mod-cpu')).toHaveCount(1);
    await expect(chart.locator('.jp-hpc-History-line.jp-mod-gpu')).toHaveCount(1);
    await expect(chart.locator('.jp-hpc-History-line.jp-mod-co2')).toHaveCount(1);
    await expect(toggle(page, 'gpu')).toContainText('514');
    await expect
      .poll(() => pointCount(chart.locator('.jp-hpc-History-line.jp-mod-cpu')), {
        timeout: 30 * 1000
      })
      .toBeGreaterThan(2);
  });
});

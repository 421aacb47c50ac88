import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { IMAGES } from './images';
import { themedStyle } from './theme';

/** Screenshots for the README come from these tests. */

/*
 * The test server reads a running fake RAPL tree (42 W package + 3 W DRAM,
 * 120 W long-term limit, whole-node attribution), a fake nvidia-smi with four
 * GPUs of which CUDA_VISIBLE_DEVICES=1,2 leaves 412.37 W + 101.50 W against
 * 650 + 700 W, and a local replay of éCO2mix at 15 g/kWh
 * (see jupyter_server_test_config.py and fake_hardware.py).
 */
const STATUS_BAR = '#jp-main-statusbar';

test.describe('power and CO2 meters', () => {
  test('show CPU power, the job GPUs and the CO2 so far', async ({ page }) => {
    const cpu = page.locator(`${STATUS_BAR} .jp-hpc-CpuPowerMeter`);
    const gpu = page.locator(`${STATUS_BAR} .jp-hpc-GpuPowerMeter`);
    const co2 = page.locator(`${STATUS_BAR} .jp-hpc-EmissionsMeter`);

    // 45 W within the fake counters' 20 ms write period over a 1 s sample.
    await expect(cpu).toHaveText(/^CPU4[4-6] \/ 120 W$/, { timeout: 20000 });
    await expect(cpu).toHaveAttribute('title', /CPU power of this node/);
    await expect(cpu).toHaveAttribute('title', /long-term power limit, 120 W/);

    // Only GPUs 1 and 2: not 0, and not 3 (whose power reads [N/A]).
    await expect(gpu).toHaveText('GPU514 / 1350 W · 55%');
    await expect(gpu).toHaveAttribute('title', /GPU 1 \(NVIDIA H100 80GB HBM3\): 412 W, limit 650 W, 97% busy/);
    await expect(gpu).toHaveAttribute('title', /GPU 2 \(NVIDIA H100 80GB HBM3\): 102 W/);
    await expect(gpu).not.toHaveAttribute('title', /GPU 0|GPU 3/);

    await expect(co2).toHaveText(/^CO2\d+\.\d+ (g|kg)$/);
    await expect(co2).toHaveAttribute('title', /Grid emission factor: 15 g\/kWh from RTE éCO2mix/);
    // ~560 W at 15 g/kWh adds about 2.3 mg a second: the total grows.
    const first = parseFloat((await co2.textContent())!.replace('CO2', ''));
    await expect
      .poll(
        async () => parseFloat((await co2.textContent())!.replace('CO2', '')),
        { timeout: 20000 }
      )
      .toBeGreaterThan(first);

    await page.locator(STATUS_BAR).screenshot({
      path: path.join(IMAGES, 'power-meters.png')
    });
  });

  test('are readable in the dark theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    const gpu = page.locator(`${STATUS_BAR} .jp-hpc-GpuPowerMeter`);
    await expect(gpu).toHaveText('GPU514 / 1350 W · 55%');
    await expect(page.locator(`${STATUS_BAR} .jp-hpc-CpuPowerMeter`)).toHaveText(
      /^CPU4[4-6] \/ 120 W$/
    );
    const colours = await themedStyle(gpu, 'color', '--jp-ui-font-color1');
    expect(colours.actual).toBe(colours.expected);
    await page.locator(STATUS_BAR).screenshot({
      path: path.join(IMAGES, 'power-meters-dark.png')
    });
  });

  test('move to the top bar with the placement setting', async ({ page }) => {
    // A wide screen: at 1024 px the menus, the admin's banner and four meters do not fit.
    await page.setViewportSize({ width: 1600, height: 768 });
    await expect(page.locator(`${STATUS_BAR} .jp-hpc-GpuPowerMeter`)).toBeVisible();

    await page.evaluate(async () => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry?.set('jupyterlab-hpc:meters', 'placement', 'top-bar');
    });

    const top = page.locator('#jp-top-panel .jp-hpc-MeterGroup');
    await expect(top.locator('.jp-hpc-MemoryMeter')).toHaveText('Mem1.2 / 5.0 GB');
    await expect(top.locator('.jp-hpc-GpuPowerMeter')).toHaveText('GPU514 / 1350 W · 55%');
    await expect(top.locator('.jp-hpc-CpuPowerMeter')).toHaveText(/^CPU4[4-6] \/ 120 W$/);
    await expect(top.locator('.jp-hpc-EmissionsMeter')).toBeVisible();
    await expect(page.locator(`${STATUS_BAR} .jp-hpc-Meter:visible`)).toHaveCount(0);
    // At the right end of the top bar.
    const group = await top.boundingBox();
    const panel = await page.locator('#jp-top-panel').boundingBox();
    expect(group!.x + group!.width).toBeGreaterThan(panel!.x + panel!.width - 40);
    await page.locator('#jp-top-panel').screenshot({
      path: path.join(IMAGES, 'meters-top-bar.png')
    });
  });
});

import { expect, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

import { IMAGES } from './images';
import { ONE_FILE_BROWSER } from './settings';

// Galata creates its notebooks through the one file browser of a stock JupyterLab.
test.use({ mockSettings: ONE_FILE_BROWSER });

/** Screenshots for the README come from this test. */

const MIB = 1024 ** 2;
const UNITS: { [unit: string]: number } = {
  B: 1,
  KB: 1024,
  MB: MIB,
  GB: 1024 * MIB
};
/** A kernel starts, runs its cell and is sampled within this, even on a loaded machine. */
const KERNEL_MS = 90 * 1000;
const SECTION = 'Kernel Usage Section';
/** An empty notebook on the python3 kernel, which opens without asking for one. */
const NOTEBOOK = JSON.stringify({
  cells: [
    {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: ''
    }
  ],
  metadata: {
    kernelspec: {
      display_name: 'Python 3 (ipykernel)',
      language: 'python',
      name: 'python3'
    }
  },
  nbformat: 4,
  nbformat_minor: 5
});

/** The memory an item's detail shows, such as `250 MB (5 %) · 0.1 cores`, in bytes. */
async function shownBytes(item: Locator): Promise<number> {
  const detail =
    (await item.locator('.jp-RunningSessions-itemDetail').textContent()) ?? '';
  const match = detail.match(/^([\d.]+) (B|KB|MB|GB)\b/);
  return match ? Number(match[1]) * UNITS[match[2]] : 0;
}

test.describe('Kernel Usage in the Running panel', () => {
  test("lists each notebook's kernel by its memory, largest first", async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(4 * KERNEL_MS);
    // Given an idle notebook, and one whose kernel holds 200 MB more
    for (const name of ['idle.ipynb', 'big.ipynb']) {
      await page.contents.uploadContent(NOTEBOOK, 'text', `${tmpPath}/${name}`);
      expect(await page.notebook.openByPath(`${tmpPath}/${name}`)).toBe(true);
    }
    await page.notebook.setCell(0, 'code', 'x = bytearray(200 * 2**20)');
    await page.notebook.runCell(0);

    // When the Running panel is opened
    await page.sidebar.openTab('jp-running-sessions');
    await page.sidebar.setWidth(360, 'left');
    const panel = page.locator('#jp-running-sessions');
    const heading = panel.getByRole('heading', { name: SECTION });
    const items = panel.locator('.jp-hpc-KernelUsage');
    const big = items.filter({ hasText: 'big.ipynb' });
    const idle = items.filter({ hasText: 'idle.ipynb' });

    // Then the big notebook's kernel shows its 200 MB, above the idle one
    await expect
      .poll(() => shownBytes(big), { timeout: KERNEL_MS })
      .toBeGreaterThanOrEqual(200 * MIB);
    await expect(idle).toHaveCount(1, { timeout: KERNEL_MS });
    await expect
      .poll(
        async () =>
          (await items.locator('.jp-RunningSessions-itemLabel').allTextContents())
            .filter(label => label.endsWith('.ipynb')),
        { timeout: KERNEL_MS }
      )
      .toEqual(['big.ipynb', 'idle.ipynb']);
    // with its share of the job's 5 GB limit and its cores (from its second
    // sample on), not cut at the panel's width, and everything in its tooltip
    const detail = big.locator('.jp-RunningSessions-itemDetail');
    await expect(detail).toHaveText(/^\d+ MB \(\d+ %\) · [\d.]+ cores?$/, {
      timeout: KERNEL_MS
    });
    expect(
      await detail.evaluate(node => node.scrollWidth <= node.clientWidth)
    ).toBe(true);
    const title = big.locator('.jp-RunningSessions-itemLabel');
    await expect(title).toHaveAttribute('title', /big\.ipynb/);
    await expect(title).toHaveAttribute('title', /of the job's limit of 5\.0 GB/);
    await expect(title).toHaveAttribute('title', /Process: \d+/);

    for (const theme of ['light', 'dark']) {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await expect(big).toBeVisible();
      const top = (await heading.boundingBox())!;
      const last = (await idle.boundingBox())!;
      await page.screenshot({
        path: path.join(
          IMAGES,
          theme === 'dark'
            ? 'running-kernel-usage-dark.png'
            : 'running-kernel-usage.png'
        ),
        clip: {
          x: top.x,
          y: top.y,
          width: top.width,
          height: last.y + last.height - top.y + 8
        }
      });
    }

    // Clicking the idle notebook's kernel brings its notebook forward
    await idle.locator('.jp-RunningSessions-itemLabel').click();
    await expect
      .poll(() => page.activity.isTabActive('idle.ipynb'))
      .toBe(true);
  });
});

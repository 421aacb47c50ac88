import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { IMAGES } from './images';
import { ONE_FILE_BROWSER } from './settings';

test.use({ mockSettings: ONE_FILE_BROWSER });

/** Screenshots for the README come from these tests. */

/*
 * Against the project's real single-node Slurm (scripts/slurm-testbed, started by
 * `make test-ui`); the server polls it every second (jupyter_server_test_config.py).
 */
const PANEL = '#jupyterlab-hpc-slurm';

/** A batch script that runs long enough to be seen, then cancelled. */
function script(name: string): string {
  return `#!/bin/bash\n#SBATCH --job-name="${name}"\n#SBATCH --time=10\nsleep 300\n`;
}

/** Open the Slurm sidebar panel. */
async function openPanel(page: import('@playwright/test').Page) {
  await page.click('li[data-id="jupyterlab-hpc-slurm"]');
  await expect(page.locator(PANEL)).toBeVisible();
  // Wide enough for every column in the screenshots.
  await page.sidebar.setWidth(720, 'left');
}

test.describe('Slurm panel', () => {
  test('shows a job submitted from the file browser, and cancels it after asking', async ({
    page,
    tmpPath
  }) => {
    const name = `galata job | ünïcode ${Date.now()}`;
    await page.contents.uploadContent(script(name), 'text', `${tmpPath}/job.sh`);
    await page.filebrowser.openDirectory(tmpPath);

    // When the script is submitted from its context menu
    await page.click('.jp-DirListing-item[title^="Name: job.sh"]', { button: 'right' });
    await page.click('.lm-Menu-item:has-text("Submit to Slurm")');

    // Then sbatch's own message is shown with the new id
    const toast = page.locator('.Toastify__toast').filter({ hasText: 'Submitted batch job' });
    await expect(toast).toBeVisible({ timeout: 30000 });
    const id = (await toast.textContent())!.match(/Submitted batch job (\d+)/)![1];

    // and the job appears in the panel with its name exactly as written
    await openPanel(page);
    const row = page.locator(`${PANEL} tr.jp-hpc-SlurmJob[data-job-id="${id}"]`);
    await expect(row).toBeVisible({ timeout: 20000 });
    await expect(row.locator('.jp-hpc-SlurmJob-name')).toHaveText(name);
    await expect(row.locator('.jp-hpc-SlurmState')).toHaveText(/RUNNING|PENDING/);
    await page.locator(PANEL).screenshot({ path: path.join(IMAGES, 'slurm-panel.png') });

    // When it is selected and cancelled, the user is asked first
    await row.locator('input[type="checkbox"]').check();
    await page.click(`${PANEL} .jp-hpc-SlurmPanel-cancel`);
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(id);
    await expect(dialog).toContainText(name);
    await dialog.locator('.jp-mod-accept').click();

    // and the job is gone from the queue at a later refresh
    await expect(row).toHaveCount(0, { timeout: 30000 });
  });

  test('shows sbatch errors verbatim', async ({ page, tmpPath }) => {
    const bad = '#!/bin/bash\n#SBATCH --partition=nosuchpartition\ntrue\n';
    await page.contents.uploadContent(bad, 'text', `${tmpPath}/bad.sbatch`);
    await page.filebrowser.openDirectory(tmpPath);
    await page.click('.jp-DirListing-item[title^="Name: bad.sbatch"]', { button: 'right' });
    await page.click('.lm-Menu-item:has-text("Submit to Slurm")');
    await expect(
      page.locator('.Toastify__toast').filter({ hasText: 'invalid partition' })
    ).toBeVisible({ timeout: 30000 });
  });

  test('is readable in the dark theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    await openPanel(page);
    await expect(page.locator(`${PANEL} .jp-hpc-SlurmPanel-age`)).toBeVisible({
      timeout: 20000
    });
    await page.locator(PANEL).screenshot({ path: path.join(IMAGES, 'slurm-panel-dark.png') });
  });
});

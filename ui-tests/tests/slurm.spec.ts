import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
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

/** Open the Slurm sidebar panel, wide enough for every column by default. */
async function openPanel(page: import('@playwright/test').Page, width = 840) {
  await page.click('li[data-id="jupyterlab-hpc-slurm"]');
  await expect(page.locator(PANEL)).toBeVisible();
  await page.sidebar.setWidth(width, 'left');
}

/** Submit a batch script to the testbed (sbatch reads it from stdin; no shell). */
function sbatch(text: string, ...options: string[]): string {
  return execFileSync('sbatch', ['--parsable', ...options], {
    input: text,
    cwd: '/tmp',
    env: process.env
  })
    .toString()
    .trim()
    .split(';')[0];
}

/** A job's fields as `scontrol show job -o` prints them ({} once it is gone). */
function scontrol(id: string): Record<string, string> {
  let line = '';
  try {
    line = execFileSync('scontrol', ['show', 'job', '-o', id], {
      env: process.env
    }).toString();
  } catch {
    return {};
  }
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(/(\S+?)=(\S*)/g)) {
    fields[match[1]] ??= match[2];
  }
  return fields;
}

/** Cancel jobs a test submitted, whatever state it left them in. */
function scancel(...ids: string[]): void {
  try {
    execFileSync('scancel', ids, { env: process.env });
  } catch {
    // gone already
  }
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

  test('fits the default sidebar width: compact rows, one toolbar line', async ({
    page
  }) => {
    const running = sbatch(script(`narrow run ${Date.now()}`));
    const later = sbatch(
      script('starts in an hour, with a long name to cut'),
      '--begin=now+3600'
    );
    try {
      // When the panel opens at the width the sidebar has by default
      await openPanel(page, 280);
      const row = (id: string) =>
        page.locator(`${PANEL} .jp-hpc-SlurmCompact-job[data-job-id="${id}"]`);
      await expect(row(running).locator('.jp-hpc-SlurmState')).toHaveText(
        'RUNNING',
        { timeout: 60000 }
      );

      // Then each job is one compact row: no table, time left or start estimate
      await expect(page.locator(`${PANEL} table`)).toHaveCount(0);
      await expect(row(running).locator('.jp-hpc-SlurmJob-when')).toHaveText(
        /left$/
      );
      await expect(row(later).locator('.jp-hpc-SlurmJob-when')).toHaveText(
        /^starts ≈ .+ \(in (59 min|1 h)\)$/
      );
      // and one toolbar line, the filter in it
      const toolbar = page.locator(`${PANEL} .jp-hpc-SlurmQueue .jp-hpc-SlurmPanel-toolbar`);
      await expect(toolbar.locator('.jp-hpc-SlurmPanel-filter')).toBeVisible();
      const box = (await toolbar.boundingBox())!;
      const button = (await toolbar
        .locator('.jp-hpc-SlurmPanel-refresh')
        .boundingBox())!;
      expect(box.height).toBeLessThan(button.height * 2);
      await page
        .locator(PANEL)
        .screenshot({ path: path.join(IMAGES, 'slurm-panel-narrow.png') });

      // When it is widened, the full table comes back
      await page.sidebar.setWidth(840, 'left');
      await expect(
        page.locator(`${PANEL} tr.jp-hpc-SlurmJob[data-job-id="${later}"] .jp-hpc-SlurmJob-reason`)
      ).toHaveText(/^waiting for its start time · \d+(st|nd|rd|th) in debug's queue$/);
    } finally {
      scancel(running, later);
    }
  });

  test('requeues a running job from its menu: it goes back to the queue and runs again', async ({
    page
  }) => {
    test.setTimeout(300 * 1000);
    const id = sbatch(script(`requeue me ${Date.now()}`), '--requeue');
    try {
      await openPanel(page);
      const row = page.locator(`${PANEL} tr.jp-hpc-SlurmJob[data-job-id="${id}"]`);
      await expect(row.locator('.jp-hpc-SlurmState')).toHaveText('RUNNING', {
        timeout: 60000
      });

      // When "Requeue" is chosen from the row's actions menu, by keyboard
      await row.locator('.jp-hpc-SlurmJob-menu').focus();
      await page.keyboard.press('Enter');
      const menu = page.locator('.lm-Menu.jp-hpc-SlurmJobMenu');
      await expect(menu).toBeVisible();
      await menu.locator('.lm-Menu-item:has-text("Requeue")').first().click();

      // Then the user is asked first, the job named
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog).toContainText('Requeue 1 job?');
      await expect(dialog).toContainText(id);
      await dialog.locator('.jp-mod-accept').click();

      // and Slurm puts the job back in the queue (restarted once)…
      await expect
        .poll(() => scontrol(id)['Restarts'], { timeout: 60000 })
        .toBe('1');
      // …where it runs again
      await expect
        .poll(() => scontrol(id)['JobState'], { timeout: 240000, intervals: [2000] })
        .toBe('RUNNING');
      await expect(row.locator('.jp-hpc-SlurmState')).toHaveText('RUNNING', {
        timeout: 30000
      });
    } finally {
      scancel(id);
    }
  });

  test('shows the details as a readable sheet, every field folded', async ({
    page
  }) => {
    const name = `details ${Date.now()}`;
    const id = sbatch(script(name));
    try {
      await openPanel(page);
      const row = page.locator(`${PANEL} tr.jp-hpc-SlurmJob[data-job-id="${id}"]`);
      await expect(row.locator('.jp-hpc-SlurmState')).toHaveText(/RUNNING|PENDING/, {
        timeout: 60000
      });

      await row.locator('.jp-hpc-SlurmJob-details').click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('[data-summary="state"]')).toHaveText(
        /^(RUNNING|PENDING)/
      );
      await expect(dialog.locator('[data-summary="workdir"]')).toHaveText('/tmp');
      await expect(dialog.locator('[data-summary="stdout"]')).toHaveText(
        `/tmp/slurm-${id}.out`
      );
      // One file for output and errors: one button
      await expect(dialog.locator('.jp-hpc-SlurmDetails-stderr')).toHaveCount(0);
      // Every field is there, folded until asked for
      const all = dialog.locator('.jp-hpc-SlurmDetails-all');
      await expect(all.locator('[data-field="JobId"]')).toBeHidden();
      await all.locator('summary').click();
      await expect(all.locator('[data-field="JobName"] td')).toHaveText(name);
      await all.locator('summary').click();
      await expect(all.locator('[data-field="JobId"]')).toBeHidden();
      await dialog
        .locator('.jp-Dialog-content')
        .screenshot({ path: path.join(IMAGES, 'slurm-details.png') });
      await dialog.locator('.jp-mod-accept, .jp-mod-reject').first().click();
    } finally {
      scancel(id);
    }
  });
});

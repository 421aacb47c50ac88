import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';

import { ONE_FILE_BROWSER } from './settings';

test.use({ mockSettings: ONE_FILE_BROWSER });

/*
 * Job notifications against the project's real single-node Slurm with its
 * accounting (scripts/slurm-testbed): the jobs are submitted from JupyterLab,
 * the Slurm panel stays closed, and the page learns how they ended from the
 * queue model's slow watch of the user's jobs.
 */
const PANEL = '#jupyterlab-hpc-slurm';

/** Long enough for a few polls of the watch (its slow rate is 20 s here). */
const NOTICED = { timeout: 80 * 1000 };

/** Whether the testbed limits memory with cgroups (then a job over --mem is OUT_OF_MEMORY). */
function cgroupTestbed(): boolean {
  const conf = process.env.SLURM_CONF ?? '';
  try {
    return /^TaskPlugin=.*task\/cgroup/m.test(fs.readFileSync(conf, 'utf8'));
  } catch {
    return false;
  }
}

/** Cancel jobs a test submitted, whatever state it left them in. */
function scancel(...ids: string[]): void {
  try {
    execFileSync('scancel', ids, { env: process.env });
  } catch {
    // gone already
  }
}

/**
 * Reload the page and wait for the queue model's first answer: only what
 * happens after it is notified.
 */
async function freshPage(page: Page): Promise<void> {
  const first = page.waitForResponse(
    response =>
      response.url().includes('/jupyterlab-hpc/slurm/jobs') &&
      response.ok(),
    { timeout: 60 * 1000 }
  );
  await page.reload();
  await first;
  await expect(page.locator(PANEL)).toBeHidden();
}

/** Submit `text` as `file` from the file browser's context menu; its job id. */
async function submit(
  page: Page,
  tmpPath: string,
  file: string,
  text: string
): Promise<string> {
  await page.contents.uploadContent(text, 'text', `${tmpPath}/${file}`);
  await page.filebrowser.openDirectory(tmpPath);
  await page.click(`.jp-DirListing-item[title^="Name: ${file}"]`, {
    button: 'right'
  });
  await page.click('.lm-Menu-item:has-text("Submit to Slurm")');
  const toast = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'Submitted batch job' })
    .last();
  await expect(toast).toBeVisible({ timeout: 30000 });
  return (await toast.textContent())!.match(/Submitted batch job (\d+)/)![1];
}

/** The toast whose text starts with "Job <id> (<name>)". */
function toast(page: Page, id: string, name: string, rest: string) {
  return page
    .locator('.Toastify__toast')
    .filter({ hasText: `Job ${id} (${name}) ${rest}` });
}

test.describe('Slurm job notifications', () => {
  test('a job that starts and completes, with "Show" opening the panel', async ({
    page,
    tmpPath
  }) => {
    // The job runs past a poll of the watch, so that its start is seen.
    test.setTimeout(180 * 1000);
    await freshPage(page);
    const name = `notify ok ${Date.now()}`;
    const id = await submit(
      page,
      tmpPath,
      'ok.sbatch',
      `#!/bin/bash\n#SBATCH --job-name="${name}"\n#SBATCH --time=2\nsleep 40\n`
    );
    try {
      // Then the user is told when it starts and when it completes
      await expect(toast(page, id, name, 'started')).toBeVisible(NOTICED);
      const completed = toast(page, id, name, 'completed');
      await expect(completed).toBeVisible(NOTICED);

      // and "Show" opens the Slurm panel
      await completed.getByRole('button', { name: 'Show' }).click();
      await expect(page.locator(PANEL)).toBeVisible();
    } finally {
      scancel(id);
    }
  });

  test('a job that fails, with its exit code', async ({ page, tmpPath }) => {
    await freshPage(page);
    const name = `notify fail ${Date.now()}`;
    const id = await submit(
      page,
      tmpPath,
      'fail.sbatch',
      `#!/bin/bash\n#SBATCH --job-name="${name}"\n#SBATCH --time=2\nsleep 2\nexit 2\n`
    );
    try {
      // Failures stay on screen until the user dismisses them
      await expect(
        toast(page, id, name, 'failed (exit code 2)')
      ).toBeVisible(NOTICED);
    } finally {
      scancel(id);
    }
  });

  test('a job killed for memory', async ({ page, tmpPath }) => {
    test.skip(
      !cgroupTestbed(),
      'OUT_OF_MEMORY needs the testbed with cgroups (SLURM_TESTBED_CGROUP=1)'
    );
    await freshPage(page);
    const name = `notify oom ${Date.now()}`;
    // It works a little before it asks too much, as real jobs do: a job that
    // ends before the queue is first read after the submit is never listed.
    const hog =
      'sleep 3; python3 -c "import time; b = bytearray(400 * 1024 * 1024); time.sleep(30)"';
    const id = await submit(
      page,
      tmpPath,
      'oom.sbatch',
      `#!/bin/bash\n#SBATCH --job-name="${name}"\n#SBATCH --time=2\n#SBATCH --mem=100M\n${hog}\n`
    );
    try {
      await expect(
        toast(page, id, name, 'was killed: out of memory')
      ).toBeVisible(NOTICED);
    } finally {
      scancel(id);
    }
  });
});

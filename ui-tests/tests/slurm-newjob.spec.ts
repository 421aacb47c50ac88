import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as path from 'path';

import { IMAGES } from './images';
import { ONE_FILE_BROWSER } from './settings';
import { themedStyle } from './theme';

test.use({ mockSettings: ONE_FILE_BROWSER });

/*
 * The New job form against the project's real single-node Slurm
 * (scripts/slurm-testbed, started by `make test-ui`): partition `debug`,
 * one node of 4 CPUs and 8192 MiB.
 */
const FORM = '.jp-hpc-NewJob';
const TILE = '.jp-LauncherCard[data-category="HPC Tools"]';

/** `scontrol show job -o <id>`: one line of `Key=Value` fields (argv, no shell). */
function showJob(id: string): string {
  return execFileSync('scontrol', ['show', 'job', '-o', id], {
    encoding: 'utf8',
    env: process.env
  });
}

/** Cancel a job of this test, by its id. */
function cancel(id: string): void {
  execFileSync('scancel', [id], { env: process.env });
}

/** Open the form from the New job tile of a launcher showing `folder`. */
async function openFromLauncher(page: Page, folder: string) {
  await page.evaluate(async cwd => {
    await window.jupyterapp.commands.execute('launcher:create', { cwd });
  }, folder);
  // The new launcher is the one shown; the first one stays in its hidden tab.
  await page
    .locator(TILE, { hasText: 'New Slurm Job' })
    .filter({ visible: true })
    .click();
  const form = page.locator(FORM);
  // The cluster is read: the partition is chosen and its limits shown.
  await expect(form.locator('.jp-hpc-NewJob-limits')).toContainText('CPUs/node 4');
  return form;
}

/** The input labelled `label` in the form. */
function field(form: ReturnType<Page['locator']>, label: string) {
  return form.getByLabel(label, { exact: true });
}

test.describe('New Slurm job form', () => {
  test('submits a job that runs with the resources chosen', async ({ page, tmpPath }) => {
    const name = `galata new job ${Date.now()}`;
    const form = await openFromLauncher(page, tmpPath);
    await expect(form.locator('.jp-hpc-NewJob-partition')).toHaveValue('debug');

    // Given a body, a name, a time and more CPUs than the node has
    await form.locator('.jp-hpc-NewJob-body').fill('sleep 120\n');
    await field(form, 'Job name').fill(name);
    await field(form, 'Time limit').fill('00:07:00');
    await field(form, 'CPUs per task').fill('5');

    // Then the field says so and Submit waits
    await expect(field(form, 'CPUs per task')).toHaveAttribute('aria-invalid', 'true');
    await expect(form).toContainText('More than the partition allows (at most 4).');
    await expect(form.locator('.jp-hpc-NewJob-submit')).toBeDisabled();

    // When the CPUs fit, the preview has the form's lines (and the
    // account, where the testbed's accounting gives one) and the body
    await field(form, 'CPUs per task').fill('2');
    await expect(field(form, 'CPUs per task')).toHaveAttribute('aria-invalid', 'false');
    const preview = form.locator('.jp-hpc-NewJob-preview');
    await expect(preview).toContainText('#SBATCH --cpus-per-task=2\n');
    const script = (await preview.textContent())!;
    expect(script).toMatch(
      new RegExp(
        [
          '^#!/bin/bash',
          `#SBATCH --job-name="${name}"`,
          '#SBATCH --partition=debug',
          '#SBATCH --time=00:07:00',
          '#SBATCH --cpus-per-task=2',
          '(#SBATCH --account=\\S+\\n)?\\nsleep 120\\n$'
        ].join('\\n')
      )
    );
    await form.locator('.jp-hpc-NewJob-submit').click();

    // Then sbatch's message gives the job id
    const done = form.locator('.jp-hpc-NewJob-submitted');
    await expect(done).toHaveText(/Submitted batch job \d+/, { timeout: 30000 });
    const id = (await done.textContent())!.match(/Submitted batch job (\d+)/)![1];
    try {
      // and Slurm holds the job with those resources, in the launcher's folder
      const job = showJob(id);
      expect(job).toContain(` JobName=${name} UserId=`);
      expect(job).toMatch(/ NumCPUs=2 /);
      expect(job).toMatch(/ TimeLimit=00:07:00 /);
      expect(job).toMatch(/ Partition=debug /);
      expect(job).toMatch(new RegExp(` WorkDir=\\S*/${tmpPath} `));
      // and the script Slurm keeps is the one previewed
      const kept = execFileSync('scontrol', ['write', 'batch_script', id, '-'], {
        encoding: 'utf8',
        env: process.env
      });
      expect(kept).toBe(script);
      // and it runs
      await expect.poll(() => showJob(id).match(/ JobState=(\w+)/)![1], {
        timeout: 60000
      }).toBe('RUNNING');
    } finally {
      cancel(id);
    }
  });

  test("submits a centre's template with its resources", async ({ page, tmpPath }) => {
    const form = await openFromLauncher(page, tmpPath);
    // When the user picks the template c.HPCSlurm.templates offers
    await form
      .locator('.jp-hpc-NewJob-template')
      .selectOption({ label: 'Sleep a while' });
    // Then its defaults fill the form and its placeholder the body
    await expect(field(form, 'CPUs per task')).toHaveValue('2');
    await expect(field(form, 'Time limit')).toHaveValue('00:05:00');
    const preview = form.locator('.jp-hpc-NewJob-preview');
    await expect(preview).toContainText('#SBATCH --cpus-per-task=2\n');
    await expect(preview).toContainText('\nsleep 90\n');
    await form.locator('.jp-hpc-NewJob-submit').click();
    const done = form.locator('.jp-hpc-NewJob-submitted');
    await expect(done).toHaveText(/Submitted batch job \d+/, { timeout: 30000 });
    const id = (await done.textContent())!.match(/Submitted batch job (\d+)/)![1];
    try {
      // and Slurm holds the job with the template's resources
      const job = showJob(id);
      expect(job).toContain(' JobName=Sleep a while UserId=');
      expect(job).toMatch(/ NumCPUs=2 /);
      expect(job).toMatch(/ TimeLimit=00:05:00 /);
    } finally {
      cancel(id);
    }
  });

  test("shows sbatch's refusal verbatim in the form", async ({ page, tmpPath }) => {
    const form = await openFromLauncher(page, tmpPath);
    // A script's own #SBATCH line comes after the form's and wins.
    await form
      .locator('.jp-hpc-NewJob-body')
      .fill('#SBATCH --partition=nosuchpartition\ntrue\n');
    await form.locator('.jp-hpc-NewJob-submit').click();
    await expect(form.locator('.jp-hpc-NewJob-submitError')).toContainText(
      'sbatch: error: invalid partition specified: nosuchpartition',
      { timeout: 30000 }
    );
    await expect(form.locator('.jp-hpc-NewJob-submitted')).toHaveCount(0);
  });

  test('saves the script as a .sbatch file and opens it in the editor', async ({
    page,
    tmpPath
  }) => {
    const form = await openFromLauncher(page, tmpPath);
    await form.locator('.jp-hpc-NewJob-body').fill('srun hostname\n');
    await field(form, 'Job name').fill('saved');
    await form.locator('.jp-hpc-NewJob-saveAs').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('input')).toHaveValue('saved.sbatch');
    await dialog.locator('.jp-mod-accept').click();

    // The file is there, as previewed, and open in the editor
    const tab = page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
      hasText: 'saved.sbatch'
    });
    await expect(tab).toBeVisible({ timeout: 20000 });
    expect(await page.contents.fileExists(`${tmpPath}/saved.sbatch`)).toBe(true);
    await expect(page.locator('.jp-FileEditor .cm-content')).toContainText(
      '#SBATCH --job-name=saved'
    );
  });

  for (const dark of [false, true]) {
    test(`is readable in the ${dark ? 'dark' : 'light'} theme`, async ({
      page,
      tmpPath
    }) => {
      if (dark) {
        await page.theme.setDarkTheme();
      }
      // Wide enough for the fields and the preview side by side.
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.sidebar.close('left');
      const form = await openFromLauncher(page, tmpPath);
      await form
        .locator('.jp-hpc-NewJob-body')
        .fill('module load python\nsrun python train.py --epochs 10\n');
      await field(form, 'Job name').fill('train');
      await field(form, 'Time limit').fill('02:00:00');
      await field(form, 'Tasks').fill('1');
      await field(form, 'CPUs per task').fill('4');
      await field(form, 'Memory per node').fill('16G');
      await field(form, 'Output file').fill('logs/%x-%j.out');
      await expect(field(form, 'Memory per node')).toHaveAttribute('aria-invalid', 'true');
      // The flagged field's message follows the theme.
      const style = await themedStyle(
        form.locator('.jp-hpc-NewJob-error').first(),
        'color',
        '--jp-error-color1'
      );
      expect(style.actual).toBe(style.expected);
      expect(style.dark).toBe(dark);
      const image = dark ? 'slurm-new-job-dark.png' : 'slurm-new-job.png';
      await page.locator('.jp-hpc-NewJobWidget').screenshot({
        path: path.join(IMAGES, image)
      });
    });
  }
});

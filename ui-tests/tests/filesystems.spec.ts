import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { IMAGES } from './images';

/** Screenshots for the README come from these tests. */

/*
 * The test server (jupyter_server_test_config.py) allows .jupyter-tmp/filesystems/work
 * and …/scratch, and mounts both by default as WORK and SCRATCH; work/project
 * holds input.csv; …/private lies outside every allowed root.
 */
const FILESYSTEMS = path.resolve(__dirname, '..', '.jupyter-tmp', 'filesystems');
const PROJECT = path.join(FILESYSTEMS, 'work', 'project');
const PRIVATE = path.join(FILESYSTEMS, 'private');

/** The Settings Editor's form of the filesystems plugin. */
const FORM = '[id="jp-SettingsEditor-jupyterlab-hpc:filesystems"]';

/** The left-sidebar tab of a filesystem's browser. */
function tab(name: string): string {
  return `.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jp-hpc-filesystem-${name}"]`;
}

/** Open the Settings Editor on the filesystems form. */
async function openForm(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('settingeditor:open', {
      query: 'HPC filesystems'
    });
  });
  await page.locator(FORM).getByText('Show the default filesystems').waitFor();
}

/** Add an entry to the form, as a user types it. */
async function addEntry(
  page: IJupyterLabPageFixture,
  index: number,
  name: string,
  url: string
): Promise<void> {
  await page.locator(`${FORM} button[title="Add item"]`).click();
  await page.locator(`input[id$="filesystems_${index}_name"]`).fill(name);
  await page.locator(`input[id$="filesystems_${index}_url"]`).fill(url);
}

test.describe('filesystems', () => {
  test.afterAll(() => {
    for (const file of fs.readdirSync(PROJECT)) {
      if (file.endsWith('.ipynb')) {
        fs.rmSync(path.join(PROJECT, file));
      }
    }
  });

  test('WORK and SCRATCH from the admin are roots by default', async ({
    page
  }) => {
    await expect(page.locator(tab('WORK'))).toBeVisible();
    await expect(page.locator(tab('SCRATCH'))).toBeVisible();
    await page.locator(tab('WORK')).click();
    await expect(
      page.locator('#jp-hpc-filesystem-WORK .jp-DirListing-item', {
        hasText: 'project'
      })
    ).toBeVisible();
  });

  test('an entry added in the Settings Editor is a root whose notebooks run in it', async ({
    page
  }) => {
    // Given a project folder under WORK, added in the Settings Editor
    await openForm(page);
    await addEntry(page, 0, 'project', `osfs://${PROJECT}`);

    // Then it appears as a root listing the folder's files
    await expect(page.locator(tab('project'))).toBeVisible({ timeout: 20000 });
    await page.locator(tab('project')).click();
    const browser = page.locator('#jp-hpc-filesystem-project');
    await expect(
      browser.locator('.jp-DirListing-item', { hasText: 'input.csv' })
    ).toBeVisible();

    // When a notebook is created there from the browser's launcher button
    await browser.getByTitle('New Launcher in project').click();
    await page
      .locator('.jp-Launcher:visible .jp-LauncherCard[data-category="Notebook"]')
      .first()
      .click();
    await page.waitForSelector('.jp-NotebookPanel .jp-Notebook');
    await page.notebook.setCell(0, 'code', 'import os; print(os.getcwd())');
    await page.notebook.run();
    await page.notebook.save();

    // Then its kernel runs in the project folder, and the file lies there
    await expect(
      page.locator('.jp-NotebookPanel .jp-OutputArea-output').first()
    ).toHaveText(fs.realpathSync(PROJECT));
    expect(
      fs.readdirSync(PROJECT).filter(file => file.endsWith('.ipynb'))
    ).toHaveLength(1);
    await expect(
      browser.locator('.jp-DirListing-item', { hasText: '.ipynb' })
    ).toBeVisible();
    await page.screenshot({ path: path.join(IMAGES, 'filesystems.png') });
  });

  test('an entry outside the allowed roots is refused with its reason', async ({
    page
  }) => {
    await openForm(page);
    await addEntry(page, 0, 'private', `osfs://${PRIVATE}`);

    // The toast shows the reason, whatever the length of the path
    const toast = page.locator('.Toastify__toast', {
      hasText: 'Filesystem "private" is not mounted'
    });
    await expect(toast).toContainText(
      'Outside the folders the administrator allows'
    );
    await expect(page.locator(tab('private'))).toHaveCount(0);

    // and "Show details" has the whole message, path and allowed roots included
    await toast.getByRole('button', { name: 'Show details' }).click();
    const details = page.locator('.jp-Dialog .jp-hpc-MessageDetails');
    await expect(details).toContainText(PRIVATE);
    await expect(details).toContainText('allowed: ');
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Close' }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  });

  test('a URL that is not osfs:/// is flagged in the form and not saved', async ({
    page
  }) => {
    await openForm(page);
    await addEntry(page, 0, 'bucket', 's3://bucket/data');

    await expect(
      page.locator(FORM).getByText(/must match pattern/)
    ).toBeVisible();
    await expect(page.locator(tab('bucket'))).toHaveCount(0);
  });
});

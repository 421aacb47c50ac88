import { expect, galata, test } from '@jupyterlab/galata';
import * as path from 'path';

import { IMAGES } from './images';
import { themedStyle } from './theme';

/**
 * The test server says the hub culls after an hour (c.HPCIdle.cull_timeout,
 * jupyter_server_test_config.py). Here the item shows after 30 idle seconds,
 * and the notification comes within two hours of the cull: at once.
 */
test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    'jupyterlab-hpc:idle': {
      idleThresholdMinutes: 0.5,
      notifyBeforeCullMinutes: 120
    }
  }
});

const ITEM = '#jp-main-statusbar .jp-hpc-IdleItem';
/** The page reads the idle time every 30 s: the item needs up to a minute. */
const IDLE_WAIT = 120 * 1000;

test.describe('idle time', () => {
  test.setTimeout(300 * 1000);

  test('shows the idle time and warns before the cull; "Keep working" resets it', async ({
    page
  }) => {
    const item = page.locator(ITEM);
    // given nobody touching the page (its opening was the last action)
    await expect(item).toHaveText(/^Idle (<1|\d+) min$/, { timeout: IDLE_WAIT });
    await expect(item).toHaveAttribute(
      'title',
      /The hub stops idle servers after 1 h 00 min\./
    );
    await expect(item).toHaveAttribute('title', /Last activity: /);
    await expect(item).toHaveAttribute('aria-label', /Last activity: /);
    const notice = page
      .locator('.Toastify__toast')
      .filter({ hasText: /JupyterHub stops it in \d+ minutes/ });
    await expect(notice).toBeVisible();
    await page.screenshot({ path: path.join(IMAGES, 'idle.png') });

    // when the user chooses to keep working
    await notice.getByRole('button', { name: 'Keep working' }).click();

    // then the notification goes, and the server is no longer idle
    await expect(notice).toBeHidden();
    await expect(item).toBeHidden();
  });

  test('follows the dark theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    const item = page.locator(ITEM);
    await expect(item).toHaveText(/^Idle (<1|\d+) min$/, { timeout: IDLE_WAIT });
    const colour = await themedStyle(item, 'color', '--jp-ui-font-color2');
    expect(colour.dark).toBe(true);
    expect(colour.actual).toBe(colour.expected);
    await page
      .locator('#jp-main-statusbar')
      .screenshot({ path: path.join(IMAGES, 'idle-dark.png') });
  });
});


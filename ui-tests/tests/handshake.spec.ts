import { expect, test } from '@jupyterlab/galata';

test.describe('server extension handshake', () => {
  test.use({ autoGoto: false });

  test('tells the user when the server part is missing, and hides the meter', async ({
    page
  }) => {
    // Given a server where the jupyterlab-hpc API routes do not exist (the
    // frontend itself, under lab/extensions/jupyterlab-hpc/, still loads)
    await page.route(/\/jupyterlab-hpc\/(info|metrics)/, route =>
      route.fulfill({ status: 404, body: '' })
    );

    // When the lab loads
    await page.goto();

    // Then a notification explains it, and no empty meter is shown
    await expect(
      page.locator('.jp-Notification-Toast-error, .Toastify__toast').filter({
        hasText: 'server extension is not running'
      })
    ).toBeVisible({ timeout: 20000 });
    // (each meter has a view in the status bar and one in the top bar: neither shows)
    await expect(page.locator('.jp-hpc-Meter:visible')).toHaveCount(0);
    await expect(page.locator('.jp-hpc-MemoryMeter')).toHaveCount(2);
  });
});

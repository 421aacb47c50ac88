import { waitForDialog } from '@jupyterlab/testutils';

import { HPCRequestError } from '../../api/client';
import { parsePort, showDashboardDialog } from '../../apps/dashboards';
import * as fakes from '../fakes';
import { fakeWindowOpen, find, opener, trans, type } from './utils';
import { waitFor } from '../wait';

describe('parsePort', () => {
  it('takes whole numbers from 1 to 65535 only', () => {
    const table: [string, number | null][] = [
      ['8787', 8787],
      [' 8265 ', 8265],
      ['1', 1],
      ['65535', 65535],
      ['0', null],
      ['65536', null],
      ['-1', null],
      ['80.5', null],
      ['8e3', null],
      ['', null],
      ['port', null]
    ];
    expect(table.map(([text]) => [text, parsePort(text)])).toEqual(table);
  });
});

describe('the dashboard dialog', () => {
  const dask = () => fakes.apps().dashboards[0];
  const dialog = () => document.querySelector<HTMLElement>('.jp-Dialog')!;
  const port = () =>
    find<HTMLInputElement>(dialog(), 'jp-hpc-DashboardDialog-port');
  const clickOpen = () =>
    dialog().querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();
  /** Resolve once the dialog shows `message` as its refusal. */
  const refused = (message: string) =>
    waitFor(() => {
      expect(find(dialog(), 'jp-hpc-LaunchDialog-error').textContent).toBe(
        message
      );
    });

  afterEach(() => jest.restoreAllMocks());

  it('checks the port, keeps the dialog on a refusal, and opens the dashboard', async () => {
    const { views } = fakeWindowOpen();
    const dead =
      'Nothing answers on port 8788 of this node: start the Dask cluster first, or give its dashboard port.';
    const client = new fakes.FakeClient();
    client.nextDashboard = async (_name, number) => {
      if (number !== 8787) {
        throw new HPCRequestError({ status: 502, message: dead, url: 'x' });
      }
      return fakes.dashboardCheck();
    };

    const done = showDashboardDialog({
      client,
      dashboard: dask(),
      opener: opener().opener,
      trans
    });
    await waitForDialog();

    // The default port is there, ready to change
    expect(dialog().classList).toContain('jp-hpc-DashboardDialog');
    await waitFor(() => {
      expect(port().value).toBe('8787');
    });

    // A port out of range is refused before any request
    type(port(), '70000');
    await waitFor(() => {
      expect(port().getAttribute('aria-invalid')).toBe('true');
    });
    clickOpen();
    await refused('The port is a whole number from 1 to 65535.');
    expect(client.appCalls).toEqual([]);

    // A dead port gets the server's message, verbatim, and no tab
    type(port(), '8788');
    await waitFor(() => {
      expect(port().value).toBe('8788');
      expect(port().getAttribute('aria-invalid')).not.toBe('true');
    });
    clickOpen();
    await refused(dead);
    expect(views[0].close).toHaveBeenCalled();

    // The right one opens through the proxy
    type(port(), '8787');
    await waitFor(() => {
      expect(port().value).toBe('8787');
    });
    clickOpen();
    await expect(done).resolves.toBe(8787);
    expect(client.appCalls).toEqual([
      'dashboard dask 8788',
      'dashboard dask 8787'
    ]);
    expect(views[1].location.href).toBe(
      'http://localhost:8888/jupyterlab-hpc/proxy/8787/status'
    );
    expect(document.querySelector('.jp-Dialog')).toBeNull();
  });
});

import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { waitForDialog } from '@jupyterlab/testutils';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { AppLogView } from '../../apps/log';
import { appsPlugin, CommandIDs } from '../../apps/plugin';
import { RunningAppsManager } from '../../apps/running';
import { HPCLauncher } from '../../launcher/launcher';
import { categoryRanks, DEFAULT_CATEGORIES } from '../../launcher/ranks';
import * as fakes from '../fakes';
import { find } from './utils';
import { waitFor } from '../wait';

describe('appsPlugin', () => {
  let client: fakes.FakeClient;
  let commands: CommandRegistry;
  let launcher: { add: jest.Mock };
  let shell: { add: jest.Mock; activateById: jest.Mock; widgets: jest.Mock };
  let managers: { add: jest.Mock };
  const ranks = categoryRanks(DEFAULT_CATEGORIES);

  beforeEach(async () => {
    client = new fakes.FakeClient();
    client.nextRunning = async () => ({ instances: [] });
    commands = new CommandRegistry();
    launcher = { add: jest.fn() };
    shell = {
      add: jest.fn(),
      activateById: jest.fn(),
      widgets: jest.fn(() => shell.add.mock.calls.map(([w]) => w))
    };
    managers = { add: jest.fn() };
    const app = {
      commands,
      shell,
      contextMenu: { addItem: jest.fn() }
    } as unknown as JupyterFrontEnd;
    appsPlugin.activate(
      app,
      client,
      new HPCLauncher({ client, launcher: launcher as unknown as ILauncher }),
      null,
      null,
      null,
      null,
      managers as unknown as IRunningSessionManagers,
      null,
      null
    );
    // Once the catalogue came: a tile for every app and dashboard
    const { apps, dashboards } = fakes.apps();
    await waitFor(() => {
      expect(launcher.add).toHaveBeenCalledTimes(
        apps.length + dashboards.length
      );
    });
  });

  afterEach(() => {
    shell.add.mock.calls.forEach(([widget]: [Widget]) => widget.dispose());
  });

  it('adds a tile for every app and dashboard, ranked in its category', () => {
    const tiles = launcher.add.mock.calls.map(([item]) => [
      commands.label(item.command, item.args),
      item.category,
      item.categoryRank
    ]);

    expect(tiles).toEqual([
      ['TensorBoard', 'Applications', ranks.get('Applications')],
      // code-server is not installed: its tile says so
      ['code-server (unavailable)', 'Applications', ranks.get('Applications')],
      ['Dask dashboard', 'Dashboards', ranks.get('Dashboards')],
      ['Ray dashboard', 'Dashboards', ranks.get('Dashboards')]
    ]);
    expect(client.appCalls.filter(call => call === 'apps')).toHaveLength(1);
  });

  it('says why an unavailable app cannot start, and launches nothing', async () => {
    void commands.execute(CommandIDs.launchApp, { name: 'code-server' });
    await waitForDialog();

    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(dialog.querySelector('.jp-Dialog-header')!.textContent).toBe(
      'code-server is not available'
    );
    expect(find(dialog, 'jp-hpc-AppUnavailable-reason').textContent).toMatch(
      /^code-server is not installed in this environment/
    );
    dialog.querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();
    await waitFor(() => {
      expect(client.appCalls.some(call => call.startsWith('launch'))).toBe(
        false
      );
    });
  });

  it('adds the Applications section to the Running panel', () => {
    const [manager] = managers.add.mock.calls[0] as [RunningAppsManager];
    expect(manager.name).toBe('Applications');
    expect(manager.shutdownAllLabel).toBe('Shut Down All');
  });

  it("opens an app's log in a tab that reads it again on Refresh", async () => {
    let log = 'TensorBoard 2.16.2 at http://localhost:6006/\n';
    client.nextLog = async () => log;

    await commands.execute(CommandIDs.appLog, {
      name: 'tensorboard',
      endpoint: 0
    });

    const widget = () =>
      shell.add.mock.calls[0][0] as MainAreaWidget<AppLogView>;
    const text = () => find(widget().node, 'jp-hpc-AppLog-text').textContent;
    await waitFor(() => {
      expect(text()).toBe(log);
    });
    expect(widget().title.label).toBe('Log of TensorBoard · 0');

    log += 'E0101 out of memory\n';
    await commands.execute(CommandIDs.appLog, {
      name: 'tensorboard',
      endpoint: 0
    });
    await waitFor(() => {
      expect(shell.add).toHaveBeenCalledTimes(1);
      expect(text()).toContain('out of memory');
    });
  });
});

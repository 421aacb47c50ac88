import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';
import { DataConnector } from '@jupyterlab/statedb';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { ISlurmJobs, SlurmScope } from '../../api/types';
import { SlurmQueueModel } from '../../slurm/model';
import { CommandIDs, slurmPlugin } from '../../slurm/plugin';
import * as fakes from '../fakes';
import {} from './utils';
import { waitFor } from '../wait';

/** The settings schema of the Slurm plugin. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const schema = require('../../../schema/slurm.json');

/** The user's settings of the Slurm plugin, validated by the real registry. */
class MemoryConnector extends DataConnector<ISettingRegistry.IPlugin, string> {
  constructor(public raw = '{}') {
    super();
  }

  async fetch(id: string): Promise<ISettingRegistry.IPlugin> {
    return {
      id,
      schema,
      data: { composite: {}, user: {} },
      raw: this.raw,
      version: 'test'
    };
  }

  async save(id: string, raw: string): Promise<void> {
    this.raw = raw;
  }
}

/** The golden answer, then one with an out-of-memory event after it. */
function withEvent(scope: SlurmScope, calls: number): ISlurmJobs {
  const jobs = { ...fakes.slurmJobs(), scope };
  if (calls < 2) {
    return jobs;
  }
  return {
    ...jobs,
    events: [
      {
        seq: 43,
        kind: 'out_of_memory',
        id: '1237',
        name: 'train model',
        state: 'OUT_OF_MEMORY',
        exit_code: '0:125',
        time: '2026-11-23T09:20:00.000Z'
      }
    ],
    last_event: 43
  };
}

describe('slurmPlugin', () => {
  let client: fakes.FakeClient;
  let commands: CommandRegistry;
  let shell: { add: jest.Mock; activateById: jest.Mock };
  let launcher: { add: jest.Mock };
  let model: SlurmQueueModel;

  /** Activate the plugin, with the user's settings when given. */
  function activate(registry: ISettingRegistry | null = null): void {
    const app = { commands, shell } as unknown as JupyterFrontEnd;
    model = slurmPlugin.activate(
      app,
      client,
      null,
      null,
      null,
      launcher as unknown as ILauncher,
      registry,
      null
    ) as SlurmQueueModel;
  }

  beforeEach(() => {
    client = new fakes.FakeClient();
    commands = new CommandRegistry();
    shell = { add: jest.fn(), activateById: jest.fn() };
    launcher = { add: jest.fn() };
    // Never shared between tests: each test is a new browser.
    window.localStorage.clear();
  });

  afterEach(() => {
    shell.add.mock.calls.forEach(([widget]) => widget.dispose());
    model.dispose();
    Notification.manager.dismiss();
  });

  it('adds the panel to the left sidebar, and a launcher tile that opens the queue in a tab', async () => {
    activate();
    const [panel, area, options] = shell.add.mock.calls[0];
    expect(slurmPlugin.id).toBe('jupyterlab-hpc:slurm');
    expect(area).toBe('left');
    expect(options.rank).toBeGreaterThan(200);
    expect(launcher.add).toHaveBeenCalledWith({
      command: CommandIDs.openSlurmMain,
      category: 'HPC Tools',
      rank: 10
    });
    expect(commands.label(CommandIDs.openSlurm)).toBe('Slurm jobs');
    expect(commands.label(CommandIDs.openSlurmMain, { isLauncher: true })).toBe(
      'Slurm jobs'
    );

    await commands.execute(CommandIDs.openSlurm);
    expect(shell.activateById).toHaveBeenCalledWith(panel.id);

    // the tile: one tab in the main area, shown again rather than doubled
    await commands.execute(CommandIDs.openSlurmMain);
    await commands.execute(CommandIDs.openSlurmMain);
    const tabs = shell.add.mock.calls.filter(([, where]) => where === 'main');
    expect(tabs).toHaveLength(1);
    const [tab] = tabs[0];
    expect(tab.id).not.toBe(panel.id);
    expect(tab.title.closable).toBe(true);
    expect(shell.activateById).toHaveBeenLastCalledWith(tab.id);
  });

  it('with the panel closed, only watches the user jobs; once shown, reads the queue', async () => {
    activate();
    await waitFor(() => {
      expect(client.jobsCalls).toEqual(['mine']);
      expect(model.demand).toBe('slow');
    });

    Widget.attach(shell.add.mock.calls[0][0], document.body);
    await waitFor(() => {
      expect(client.jobsCalls).toHaveLength(2);
      expect(model.consumers).toBe(1);
      expect(model.demand).toBe('full');
    });
  });

  it('notifies an out-of-memory job, with "Show" opening the panel', async () => {
    client.nextJobs = async scope => withEvent(scope, client.jobsCalls.length);
    activate();
    const panel: Widget = shell.add.mock.calls[0][0];
    await waitFor(() => expect(model.lastEvent).toBe(42));

    await model.refresh();
    let shown: Notification.INotification[] = [];
    await waitFor(() => {
      shown = Notification.manager.notifications;
      expect(shown).toHaveLength(1);
    });
    expect(shown[0].type).toBe('error');
    expect(shown[0].message).toBe(
      'Job 1237 (train model) was killed: out of memory'
    );
    shown[0].options.actions![0].callback(new MouseEvent('click'));
    expect(shell.activateById).toHaveBeenCalledWith(panel.id);
  });

  it('with notifications off, notifies nothing and asks nothing while the panel is closed', async () => {
    client.nextJobs = async scope => withEvent(scope, client.jobsCalls.length);
    const connector = new MemoryConnector('{"notifications": false}');
    activate(new SettingRegistry({ connector }));
    await waitFor(() => expect(model.watchEvents).toBe(false));
    expect(client.jobsCalls).toHaveLength(0);

    // An open panel still reads the queue (and its events), silently.
    Widget.attach(shell.add.mock.calls[0][0], document.body);
    await waitFor(() => expect(model.lastEvent).toBe(42));
    await model.refresh();
    await waitFor(() => expect(model.lastEvent).toBe(43));
    expect(Notification.manager.notifications).toHaveLength(0);
  });
});

import { JupyterFrontEnd } from '@jupyterlab/application';
import { ILauncher } from '@jupyterlab/launcher';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { SlurmQueueModel } from '../../slurm/model';
import { CommandIDs, slurmPlugin } from '../../slurm/plugin';
import * as fakes from '../fakes';
import {} from './utils';
import { waitFor } from '../wait';

describe('slurmPlugin', () => {
  let client: fakes.FakeClient;
  let commands: CommandRegistry;
  let shell: { add: jest.Mock; activateById: jest.Mock };
  let launcher: { add: jest.Mock };
  let model: SlurmQueueModel;

  beforeEach(() => {
    client = new fakes.FakeClient();
    commands = new CommandRegistry();
    shell = { add: jest.fn(), activateById: jest.fn() };
    launcher = { add: jest.fn() };
    const app = { commands, shell } as unknown as JupyterFrontEnd;
    model = slurmPlugin.activate(
      app,
      client,
      null,
      null,
      null,
      launcher as unknown as ILauncher,
      null
    ) as SlurmQueueModel;
  });

  afterEach(() => {
    shell.add.mock.calls.forEach(([widget]) => widget.dispose());
    model.dispose();
  });

  it('adds the panel to the left sidebar and a launcher tile that reveals it', async () => {
    const [panel, area, options] = shell.add.mock.calls[0];
    expect(slurmPlugin.id).toBe('jupyterlab-hpc:slurm');
    expect(area).toBe('left');
    expect(options.rank).toBeGreaterThan(200);
    expect(launcher.add).toHaveBeenCalledWith({
      command: CommandIDs.openSlurm,
      category: 'HPC Tools',
      rank: 10
    });
    expect(commands.label(CommandIDs.openSlurm)).toBe('Slurm jobs');

    await commands.execute(CommandIDs.openSlurm);
    expect(shell.activateById).toHaveBeenCalledWith(panel.id);
  });

  it('asks nothing while the panel is closed, and reads the queue once shown', async () => {
    await waitFor(() => {
      expect(client.jobsCalls).toHaveLength(0);
    });

    Widget.attach(shell.add.mock.calls[0][0], document.body);
    await waitFor(() => {
      expect(client.jobsCalls).toEqual(['mine']);
    });
  });
});

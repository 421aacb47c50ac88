import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { waitForDialog } from '@jupyterlab/testutils';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { HPCRequestError } from '../../api/client';
import { isBatchScript, submitScript } from '../../slurm/submit';
import { CommandIDs, submitPlugin } from '../../slurm/submitplugin';
import { ISlurmQueueModel } from '../../slurm/tokens';
import * as fakes from '../fakes';
import { find, trans } from './utils';
import { waitFor } from '../wait';

/** The notifications shown, oldest first. */
const shown = () => Notification.manager.notifications.slice().reverse();

/** sbatch's refusal, as long as sbatch writes it. */
const STDERR =
  'sbatch: error: invalid partition specified: nopart\n' +
  'sbatch: error: Batch job submission failed: Invalid partition name specified';

describe('submitScript', () => {
  let client: fakes.FakeClient;

  beforeEach(() => {
    client = new fakes.FakeClient();
    Notification.manager.dismiss();
  });

  it('is in progress until sbatch answers, then shows its message', async () => {
    let answer: () => void = () => undefined;
    client.nextSubmit = () =>
      new Promise(resolve => (answer = () => resolve(fakes.slurmSubmit())));
    const onSubmitted = jest.fn();

    const result = submitScript({
      client,
      path: 'runs/job.sh',
      trans,
      onSubmitted
    });
    await waitFor(() => {
      expect(shown().map(n => [n.type, n.message])).toEqual([
        ['in-progress', 'Submitting job.sh to Slurm…']
      ]);
    });

    answer();
    await expect(result).resolves.toEqual(fakes.slurmSubmit());
    expect(client.submitted).toEqual([{ path: 'runs/job.sh' }]);
    expect(shown().map(n => [n.type, n.message])).toEqual([
      ['success', fakes.slurmSubmit().message]
    ]);
    expect(onSubmitted).toHaveBeenCalledWith(fakes.slurmSubmit());
  });

  it("shows sbatch's error verbatim, with the whole text one click away", async () => {
    client.nextSubmit = () =>
      Promise.reject(
        new HPCRequestError({ status: 400, message: STDERR, url: 'x' })
      );
    const onSubmitted = jest.fn();

    const result = await submitScript({
      client,
      path: 'job.slurm',
      trans,
      onSubmitted
    });

    expect(result).toBeNull();
    expect(onSubmitted).not.toHaveBeenCalled();
    const [notification] = shown();
    expect(notification.type).toBe('error');
    expect(notification.message).toBe(`job.slurm was not submitted: ${STDERR}`);
    const action = notification.options.actions![0];
    expect(action.label).toBe('Show details');

    action.callback(new MouseEvent('click'));
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(find(dialog, 'jp-hpc-SlurmSubmitError-message').textContent).toBe(
      STDERR
    );
    dialog.querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();
    await waitFor(() => !document.body.contains(dialog));
  });

  it('knows batch scripts by their extension', () => {
    expect(['a.sh', 'b.SLURM', 'dir.x/c.sbatch'].map(isBatchScript)).toEqual([
      true,
      true,
      true
    ]);
    expect(['a.py', 'sh', 'a.sh.txt'].map(isBatchScript)).toEqual([
      false,
      false,
      false
    ]);
  });
});

describe('submitPlugin', () => {
  let client: fakes.FakeClient;
  let commands: CommandRegistry;
  let current: Widget | null;
  let selection: { path: string; type: string }[];
  let context: {
    path: string;
    localPath: string;
    model: { dirty: boolean };
    save: jest.Mock;
  };
  let queue: { refresh: jest.Mock };
  let contextMenu: { addItem: jest.Mock };

  beforeEach(() => {
    client = new fakes.FakeClient();
    commands = new CommandRegistry();
    current = new Widget();
    selection = [];
    context = {
      path: 'runs/job.sbatch',
      localPath: 'runs/job.sbatch',
      model: { dirty: true },
      save: jest.fn(async () => {
        expect(client.submitted).toHaveLength(0);
      })
    };
    queue = { refresh: jest.fn(async () => undefined) };
    contextMenu = { addItem: jest.fn() };
    const app = {
      commands,
      contextMenu,
      docRegistry: { addFileType: jest.fn() },
      serviceManager: { contents: { driveName: () => '' } },
      shell: {
        get currentWidget() {
          return current;
        }
      }
    } as unknown as JupyterFrontEnd;
    const browsers = {
      tracker: { currentWidget: { selectedItems: () => selection.values() } }
    } as unknown as IFileBrowserFactory;
    const docManager = {
      contextForWidget: (widget: Widget) =>
        widget === current ? context : undefined
    } as unknown as IDocumentManager;
    submitPlugin.activate(
      app,
      client,
      queue as unknown as ISlurmQueueModel,
      browsers,
      docManager,
      null,
      null
    );
    Notification.manager.dismiss();
  });

  it('is offered in the file browser and the editor', () => {
    expect(CommandIDs.submitJob).toBe('jupyterlab-hpc:submit-job');
    expect(commands.label(CommandIDs.submitJob)).toBe('Submit to Slurm');
    expect(
      contextMenu.addItem.mock.calls.map(([item]) => item.selector)
    ).toEqual(['.jp-DirListing-item[data-isdir="false"]', '.jp-FileEditor']);
  });

  it('shows for selected scripts only, all of them scripts', () => {
    const args = { source: 'browser' };
    selection = [{ path: 'a.sh', type: 'file' }];
    expect(commands.isVisible(CommandIDs.submitJob, args)).toBe(true);
    selection = [
      { path: 'a.sh', type: 'file' },
      { path: 'b.py', type: 'file' }
    ];
    expect(commands.isVisible(CommandIDs.submitJob, args)).toBe(false);
    selection = [{ path: 'x.sh', type: 'directory' }];
    expect(commands.isVisible(CommandIDs.submitJob, args)).toBe(false);
  });

  it('submits each selected script, then refreshes the queue', async () => {
    selection = [
      { path: 'a.sh', type: 'file' },
      { path: 'b.slurm', type: 'file' }
    ];

    await commands.execute(CommandIDs.submitJob, { source: 'browser' });

    expect(client.submitted).toEqual([{ path: 'a.sh' }, { path: 'b.slurm' }]);
    expect(queue.refresh).toHaveBeenCalledTimes(2);
  });

  it('saves the open script first, then submits it by path', async () => {
    await commands.execute(CommandIDs.submitJob, { source: 'editor' });

    expect(context.save).toHaveBeenCalledTimes(1);
    expect(client.submitted).toEqual([{ path: 'runs/job.sbatch' }]);
  });

  it('is hidden in the editor of a file that is no script', () => {
    context.localPath = context.path = 'notes.md';

    expect(commands.isVisible(CommandIDs.submitJob, { source: 'editor' })).toBe(
      false
    );
    expect(commands.isVisible(CommandIDs.submitJob, {})).toBe(false);
  });
});

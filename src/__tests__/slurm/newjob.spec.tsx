import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { Contents } from '@jupyterlab/services';
import { StateDB } from '@jupyterlab/statedb';
import { waitForDialog } from '@jupyterlab/testutils';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { HPCRequestError } from '../../api/client';
import { IInfo } from '../../api/types';
import { NewJobModel } from '../../slurm/newjob/model';
import { CommandIDs, newJobPlugin } from '../../slurm/newjob/plugin';
import { parseMemory, parseTime, quoteOption } from '../../slurm/newjob/script';
import { UserTemplates } from '../../slurm/newjob/store';
import { createNewJobTab, NewJobWidget } from '../../slurm/newjob/widget';
import * as fakes from '../fakes';
import { find, trans } from './utils';
import { flush, waitFor } from '../wait';

/** sbatch's refusal, as long as sbatch writes it. */
const STDERR =
  'sbatch: error: CPU count per node can not be satisfied\n' +
  'sbatch: error: Batch job submission failed: Requested node configuration is not available';

/** A contents manager that keeps what is saved in memory. */
function fakeContents() {
  const files = new Map<string, string>();
  const contents = {
    files,
    async get(path: string) {
      if (!files.has(path)) {
        throw new Error(`No ${path}`);
      }
      return { path, content: files.get(path) };
    },
    async save(path: string, options: Partial<Contents.IModel>) {
      files.set(path, options.content as string);
      return { path };
    }
  };
  return contents;
}

/** The form in a tab, attached, drawn once the cluster is read. */
async function openForm(client = new fakes.FakeClient(), cwd = 'runs/a') {
  const store = new UserTemplates({ state: new StateDB() });
  const model = new NewJobModel({ client, trans, store, cwd });
  const contents = fakeContents();
  const open = jest.fn();
  const onSubmitted = jest.fn();
  const tab = createNewJobTab({
    model,
    trans,
    contents: contents as unknown as Contents.IManager,
    open,
    onSubmitted
  });
  Widget.attach(tab, document.body);
  await waitFor(() => {
    expect(select(tab, 'jp-hpc-NewJob-partition').value).toBe('cpu_p1');
  });
  return { tab, model, contents, open, onSubmitted, form: tab.content };
}

/** The select of class `name`. */
function select(widget: Widget, name: string): HTMLSelectElement {
  return find<HTMLSelectElement>(widget.node, name);
}

/** The input labelled `label` (its <label for>). */
function field(widget: Widget, label: string): HTMLInputElement {
  const labels = Array.from(
    widget.node.querySelectorAll<HTMLLabelElement>('label.jp-hpc-NewJob-label')
  );
  const found = labels.find(node => node.textContent === label);
  if (!found) {
    throw new Error(`No field labelled ${label}`);
  }
  return document.getElementById(found.htmlFor) as HTMLInputElement;
}

/** Type into a React-controlled input, textarea or select. */
function change(
  node: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement,
  value: string
): void {
  const proto = Object.getPrototypeOf(node);
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(node, value);
  node.dispatchEvent(
    new Event(node instanceof HTMLSelectElement ? 'change' : 'input', {
      bubbles: true
    })
  );
}

/** The preview's text. */
function preview(widget: Widget): string {
  return find(widget.node, 'jp-hpc-NewJob-preview').textContent ?? '';
}

/** The Submit button. */
function submitButton(widget: Widget): HTMLButtonElement {
  return find<HTMLButtonElement>(widget.node, 'jp-hpc-NewJob-submit');
}

/** The error shown next to the field labelled `label`, or null. */
function fieldError(widget: Widget, label: string): string | null {
  const input = field(widget, label);
  if (input.getAttribute('aria-invalid') !== 'true') {
    return null;
  }
  const id = input.getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

describe('New job form', () => {
  let tab: MainAreaWidget<NewJobWidget>;

  beforeEach(() => {
    Notification.manager.dismiss();
  });

  afterEach(() => {
    tab?.dispose();
  });

  it("previews the batch script of a template with the form's values", async () => {
    // Given the form opened in a folder
    const opened = await openForm();
    tab = opened.tab;
    // When the admin's template is chosen and the resources typed
    change(select(tab, 'jp-hpc-NewJob-template'), 'admin:Python script');
    await waitFor(() => expect(field(tab, 'module').value).toBe('python/3.11'));
    change(field(tab, 'CPUs per task'), '8');
    change(field(tab, 'Memory per node'), '16G');
    change(field(tab, 'Output file'), 'logs/%x-%j.out');
    change(field(tab, 'script'), 'train.py');

    // Then the preview has one #SBATCH line per value, then the filled body
    await waitFor(() =>
      expect(preview(tab)).toBe(
        [
          '#!/bin/bash',
          '#SBATCH --job-name="Python script"',
          '#SBATCH --partition=cpu_p1',
          '#SBATCH --time=01:00:00',
          '#SBATCH --ntasks=1',
          '#SBATCH --cpus-per-task=8',
          '#SBATCH --mem=16G',
          '#SBATCH --account=abc@cpu',
          '#SBATCH --output=logs/%x-%j.out',
          '',
          'module purge',
          'module load python/3.11',
          'srun python train.py',
          ''
        ].join('\n')
      )
    );
    // and the partition's limits are shown under its choice
    expect(find(tab.node, 'jp-hpc-NewJob-limits').textContent).toBe(
      'Limits: max time 20:00:00 · nodes 720 · CPUs/node 40 · memory/node 160000M · GPUs/node 0'
    );
    expect(submitButton(tab).disabled).toBe(false);
  });

  it('flags what the partition cannot take, next to the field, and disables Submit', async () => {
    tab = (await openForm()).tab;
    change(find(tab.node, 'jp-hpc-NewJob-body'), 'srun hostname');
    await waitFor(() => expect(submitButton(tab).disabled).toBe(false));

    // When more time, CPUs and memory than cpu_p1 has are asked
    change(field(tab, 'Time limit'), '1-00:00:00');
    change(field(tab, 'CPUs per task'), '41');
    change(field(tab, 'Memory per node'), '200G');

    // Then each field says so and Submit cannot be pressed
    await waitFor(() =>
      expect(fieldError(tab, 'Time limit')).toBe(
        'More than the partition allows (at most 20:00:00).'
      )
    );
    expect(fieldError(tab, 'CPUs per task')).toBe(
      'More than the partition allows (at most 40).'
    );
    expect(fieldError(tab, 'Memory per node')).toBe(
      'More than the partition allows (at most 160000M).'
    );
    expect(fieldError(tab, 'Nodes')).toBeNull();
    expect(submitButton(tab).disabled).toBe(true);
    // and no GPUs are offered on a partition without any
    expect(() => field(tab, 'GPUs')).toThrow();

    // When the GPU partition is chosen, GPUs are offered up to its nodes' GPUs
    change(field(tab, 'Time limit'), '02:00:00');
    change(field(tab, 'CPUs per task'), '10');
    change(field(tab, 'Memory per node'), '40G');
    change(select(tab, 'jp-hpc-NewJob-partition'), 'gpu_p13');
    await waitFor(() => field(tab, 'GPUs'));
    change(field(tab, 'GPUs'), '5');
    await waitFor(() =>
      expect(fieldError(tab, 'GPUs')).toBe(
        'More than the partition allows (at most 4).'
      )
    );
    expect(submitButton(tab).disabled).toBe(true);
    change(field(tab, 'Nodes'), '17');
    await waitFor(() =>
      expect(fieldError(tab, 'Nodes')).toBe(
        'More than the partition allows (at most 16).'
      )
    );
    change(field(tab, 'Nodes'), '2');
    await waitFor(() => expect(fieldError(tab, 'GPUs')).toBeNull());
    expect(submitButton(tab).disabled).toBe(false);
    expect(preview(tab)).toContain('\n#SBATCH --gpus=5\n');
  });

  it('rejects a value that would add a line or an option to the script', async () => {
    const opened = await openForm();
    tab = opened.tab;
    change(find(tab.node, 'jp-hpc-NewJob-body'), 'srun hostname');

    // When a job name carries a newline and an option of its own (an input
    // drops typed newlines: a template's default or a script may not)
    opened.model.setOption('job_name', 'x\n#SBATCH --mem=1T');
    // and the output file a vertical tab, which sbatch reads as a space
    change(field(tab, 'Output file'), 'out\u000b.txt');

    // Then the fields are flagged, Submit is disabled
    await waitFor(() =>
      expect(fieldError(tab, 'Job name')).toBe(
        'Only one line: no newline or control character.'
      )
    );
    expect(fieldError(tab, 'Output file')).toBe(
      'Only one line: no newline or control character.'
    );
    expect(submitButton(tab).disabled).toBe(true);
    // and neither value reaches the script
    expect(preview(tab)).not.toContain('--mem=1T');
    expect(preview(tab)).not.toContain('--job-name');
    expect(preview(tab)).not.toContain('--output');

    // When the name has spaces, quotes and a #, it is still one argument
    change(field(tab, 'Job name'), 'my "big" run # 2');
    await waitFor(() =>
      expect(preview(tab)).toContain(
        '\n#SBATCH --job-name="my \\"big\\" run # 2"\n'
      )
    );
  });

  it('asks a value for each placeholder of the body, and fills it in', async () => {
    tab = (await openForm()).tab;

    // When the body uses a placeholder that is no field of the form
    change(
      find(tab.node, 'jp-hpc-NewJob-body'),
      'srun ./solver {{input}} --threads {{cpus_per_task}}'
    );

    // Then it gets a field of its own, flagged while empty
    await waitFor(() =>
      expect(fieldError(tab, 'input')).toBe(
        'The script uses {{input}}: give it a value.'
      )
    );
    expect(submitButton(tab).disabled).toBe(true);

    change(field(tab, 'input'), 'mesh.h5');
    change(field(tab, 'CPUs per task'), '4');
    await waitFor(() => expect(submitButton(tab).disabled).toBe(false));
    expect(preview(tab)).toContain('\nsrun ./solver mesh.h5 --threads 4\n');
  });

  it('submits the previewed script in the folder, and shows the job id', async () => {
    const client = new fakes.FakeClient();
    const opened = await openForm(client);
    tab = opened.tab;
    change(find(tab.node, 'jp-hpc-NewJob-body'), 'srun hostname');
    change(field(tab, 'Time limit'), '00:10:00');
    await waitFor(() => expect(submitButton(tab).disabled).toBe(false));
    const shown = preview(tab);

    submitButton(tab).click();

    await waitFor(() =>
      expect(find(tab.node, 'jp-hpc-NewJob-submitted').textContent).toBe(
        fakes.slurmSubmit().message
      )
    );
    expect(client.submitted).toEqual([{ script: shown, cwd: 'runs/a' }]);
    expect(
      Notification.manager.notifications.map(n => [n.type, n.message])
    ).toEqual([['success', fakes.slurmSubmit().message]]);
    expect(opened.onSubmitted).toHaveBeenCalledWith(fakes.slurmSubmit());
  });

  it("shows sbatch's error verbatim in the form, and Submitting… meanwhile", async () => {
    const client = new fakes.FakeClient();
    let refuse: () => void = () => undefined;
    client.nextSubmit = () =>
      new Promise((_, reject) => {
        refuse = () =>
          reject(
            new HPCRequestError({ status: 400, message: STDERR, url: 'x' })
          );
      });
    const opened = await openForm(client);
    tab = opened.tab;
    change(find(tab.node, 'jp-hpc-NewJob-body'), 'srun hostname');
    await waitFor(() => expect(submitButton(tab).disabled).toBe(false));

    submitButton(tab).click();
    await waitFor(() =>
      expect(submitButton(tab).textContent).toBe('Submitting…')
    );
    expect(submitButton(tab).disabled).toBe(true);

    refuse();
    await waitFor(() =>
      expect(find(tab.node, 'jp-hpc-NewJob-submitError').textContent).toBe(
        STDERR
      )
    );
    expect(submitButton(tab).textContent).toBe('Submit');
    expect(opened.onSubmitted).not.toHaveBeenCalled();
  });

  it('says why the cluster could not be read, and still takes a script', async () => {
    const client = new fakes.FakeClient();
    client.nextPartitions = () =>
      Promise.reject(
        new HPCRequestError({
          status: 502,
          message:
            'sinfo: error: slurm_load_partitions: Unable to contact slurm controller',
          url: 'x'
        })
      );
    const model = new NewJobModel({
      client,
      trans,
      store: new UserTemplates(),
      cwd: ''
    });
    tab = createNewJobTab({
      model,
      trans,
      contents: fakeContents() as unknown as Contents.IManager,
      open: jest.fn()
    });
    Widget.attach(tab, document.body);

    await waitFor(() =>
      expect(find(tab.node, 'jp-hpc-NewJob-loadError').textContent).toBe(
        'Could not read the cluster: sinfo: error: slurm_load_partitions: Unable to contact slurm controller'
      )
    );
    change(find(tab.node, 'jp-hpc-NewJob-body'), 'srun hostname');
    await waitFor(() => expect(submitButton(tab).disabled).toBe(false));
    expect(preview(tab)).toBe('#!/bin/bash\n\nsrun hostname\n');
  });

  it('saves the script as a .sbatch file in the folder and opens it', async () => {
    const opened = await openForm();
    tab = opened.tab;
    change(find(tab.node, 'jp-hpc-NewJob-body'), 'srun hostname');
    change(field(tab, 'Job name'), 'demo');
    await waitFor(() => expect(preview(tab)).toContain('demo'));

    const saved = opened.form.saveScript();
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(dialog.querySelector('input')!.value).toBe('demo.sbatch');
    dialog.querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();

    await expect(saved).resolves.toBe('runs/a/demo.sbatch');
    expect(opened.contents.files.get('runs/a/demo.sbatch')).toBe(preview(tab));
    expect(opened.open).toHaveBeenCalledWith('runs/a/demo.sbatch');
  });

  it("keeps the user's own templates in the state database", async () => {
    const state = new StateDB();
    const client = new fakes.FakeClient();
    const first = new NewJobModel({
      client,
      trans,
      store: new UserTemplates({ state }),
      cwd: ''
    });
    await first.load();
    first.setBody('srun ./a.out {{input}}');
    first.setParam('input', 'data.h5');
    first.setOption('time', '00:30:00');
    await first.saveTemplate('mine');

    // Given a new form over the same state database
    const second = new NewJobModel({
      client,
      trans,
      store: new UserTemplates({ state }),
      cwd: ''
    });
    await second.load();
    expect(second.userTemplates.map(t => t.name)).toEqual(['mine']);
    second.chooseTemplate('user:mine');
    expect(second.values.body).toBe('srun ./a.out {{input}}');
    expect(second.values.options.time).toBe('00:30:00');
    expect(second.script).toContain('\nsrun ./a.out data.h5\n');

    await second.removeTemplate('mine');
    expect(second.userTemplates).toEqual([]);
    expect(second.template).toBe('');
  });

  it('reads Slurm times and memory sizes as sbatch does', () => {
    expect(
      [
        '30',
        '30:15',
        '1:00:00',
        '2-0',
        '2-01:30',
        '1-00:00:00',
        '1h',
        '1:2:3:4'
      ].map(parseTime)
    ).toEqual([1800, 1815, 3600, 172800, 178200, 86400, null, null]);
    expect(
      ['4G', '512', '512M', '2T', '1.5G', 'lots'].map(parseMemory)
    ).toEqual([4096, 512, 512, 2097152, null, null]);
    expect(['cpu_p1', 'a b', 'a\\b', ''].map(quoteOption)).toEqual([
      'cpu_p1',
      '"a b"',
      '"a\\\\b"',
      '""'
    ]);
  });
});

describe('newJobPlugin', () => {
  let commands: CommandRegistry;
  let shell: { add: jest.Mock; activateById: jest.Mock };
  let launcher: { add: jest.Mock };
  let client: fakes.FakeClient;
  let info: Promise<IInfo>;

  /** Activate the plugin with Slurm on or off on the server. */
  function activate(slurm: boolean) {
    client = new fakes.FakeClient();
    client.nextInfo = () => {
      const answer = fakes.info();
      answer.features.slurm = slurm;
      info = Promise.resolve(answer);
      return info;
    };
    commands = new CommandRegistry();
    shell = { add: jest.fn(), activateById: jest.fn() };
    launcher = { add: jest.fn() };
    const app = {
      commands,
      shell,
      serviceManager: {
        contents: { driveName: () => '', localPath: (p: string) => p }
      }
    } as unknown as JupyterFrontEnd;
    newJobPlugin.activate(
      app,
      client,
      null,
      null,
      launcher as unknown as ILauncher,
      null,
      null,
      null,
      null,
      null
    );
  }

  afterEach(() => {
    shell.add.mock.calls.forEach(([widget]) => widget.dispose());
  });

  it('adds a New job tile in HPC Tools where the server has Slurm', async () => {
    activate(true);
    await waitFor(() => expect(launcher.add).toHaveBeenCalled());
    expect(launcher.add).toHaveBeenCalledWith({
      command: CommandIDs.newJob,
      args: { launcher: true },
      category: 'HPC Tools',
      rank: 11
    });
    expect(commands.label(CommandIDs.newJob)).toBe('New Slurm Job…');
    expect(commands.label(CommandIDs.newJob, { launcher: true })).toBe(
      'New Slurm Job'
    );
    expect(commands.isVisible(CommandIDs.newJob)).toBe(true);

    // When the tile is clicked in a launcher showing folder "runs"
    await commands.execute(CommandIDs.newJob, { launcher: true, cwd: 'runs' });

    // Then the form opens in the main area, in that folder
    const [widget, area] = shell.add.mock.calls[0];
    expect(area).toBe('main');
    expect(widget.title.label).toBe('New Slurm Job');
    expect(
      (widget as MainAreaWidget<NewJobWidget>).content.model.values.cwd
    ).toBe('runs');
    expect(shell.activateById).toHaveBeenCalledWith(widget.id);
  });

  it('stays hidden where the server has no Slurm', async () => {
    activate(false);
    // Once GET info has answered and the plugin has read the answer
    await info;
    await flush();
    expect(launcher.add).not.toHaveBeenCalled();
    expect(commands.isVisible(CommandIDs.newJob)).toBe(false);
  });
});

import { Clipboard, Notification } from '@jupyterlab/apputils';
import {
  dangerDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testutils';

import { ISlurmJob } from '../../api/types';
import {
  confirmCancel,
  confirmRequeue,
  showJobDetails
} from '../../slurm/dialogs';
import { SlurmActions } from '../../slurm/actions';
import { SlurmPanel } from '../../slurm/panel';
import { job, JOB, JOBS } from './contract';
import * as fakes from '../fakes';
import {
  chooseMenuItem,
  clickEnabled,
  copy,
  enabledMenuItems,
  find,
  openPanel,
  select,
  trans
} from './utils';
import { flush, waitFor } from '../wait';

/** The messages of the notifications shown, oldest first. */
const messages = () =>
  Notification.manager.notifications.map(n => n.message).reverse();

describe('Cancelling jobs', () => {
  let client: fakes.FakeClient;
  let panel: SlurmPanel;

  beforeEach(() => {
    client = new fakes.FakeClient();
    // The contract's example has one job of each kind these tests need.
    client.nextJobs = async scope => ({ ...copy(JOBS), scope });
    Notification.manager.dismiss();
  });

  afterEach(() => {
    panel?.model?.dispose();
    panel?.dispose();
  });

  it('asks first, then cancels every selected job and refreshes', async () => {
    const confirm = jest.fn(async (jobs: readonly ISlurmJob[]) => true);
    ({ panel } = await openPanel(client, confirm));
    const before = client.jobsCalls.length;

    select(panel, '1234');
    select(panel, '1236_[1-3]');
    await clickEnabled(panel, 'jp-hpc-SlurmPanel-cancel');
    await waitFor(() => {
      expect(confirm).toHaveBeenCalledTimes(1);
      expect(confirm.mock.calls[0][0].map(job => job.id)).toEqual([
        '1234',
        '1236_[1-3]'
      ]);
    });
    // once the queue was read again after the cancels
    await waitFor(() => client.jobsCalls.length > before);
    // The pending array range is cancelled task by task: its running tasks stay.
    expect(client.actions.sort()).toEqual([
      'cancel 1234',
      'cancel 1236_1',
      'cancel 1236_2',
      'cancel 1236_3'
    ]);
    await waitFor(() =>
      expect(messages()).toContain('Cancel requested for 2 jobs')
    );
    expect(client.jobsCalls.length).toBe(before + 1);
    // The rows stay until Slurm says they are gone.
    expect(panel.node.querySelector('[data-job-id="1234"]')).not.toBeNull();
  });

  it('cancels nothing when the user says no', async () => {
    const refuse = jest.fn(async () => false);
    ({ panel } = await openPanel(client, refuse));

    select(panel, '1234');
    await clickEnabled(panel, 'jp-hpc-SlurmPanel-cancel');
    await waitFor(() => expect(refuse).toHaveBeenCalledTimes(1));
    await flush();
    expect(client.actions).toEqual([]);
    expect(messages()).toEqual([]);
  });

  it("says which jobs failed, with Slurm's message", async () => {
    client.nextAction = async (verb, id) => {
      if (id === '1237') {
        throw new Error('Access/permission denied for job 1237');
      }
    };
    ({ panel } = await openPanel(client));

    select(panel, '1234');
    select(panel, '1237');
    await clickEnabled(panel, 'jp-hpc-SlurmPanel-cancel');
    await waitFor(() => {
      expect(messages()).toEqual([
        'Cancel requested for 1 job',
        '1 of 2 jobs could not be cancelled: 1237: Access/permission denied for job 1237'
      ]);
    });
  });

  it('holds only pending jobs and releases only held ones', async () => {
    ({ panel } = await openPanel(client));
    const hold = find<HTMLButtonElement>(panel.node, 'jp-hpc-SlurmPanel-hold');
    const release = find<HTMLButtonElement>(
      panel.node,
      'jp-hpc-SlurmPanel-release'
    );

    select(panel, '1234');
    await waitFor(() => {
      expect(hold.disabled).toBe(true);
      expect(release.disabled).toBe(true);
    });

    select(panel, '1236_[1-3]');
    select(panel, '1237');
    await waitFor(() => !hold.disabled);
    hold.click();
    await waitFor(() => client.actions.length === 3 && !release.disabled);
    release.click();
    await waitFor(() => {
      expect(client.actions).toEqual([
        'hold 1236_1',
        'hold 1236_2',
        'hold 1236_3',
        'release 1237'
      ]);
      expect(messages()).toEqual([
        'Hold requested for 1 job',
        'Release requested for 1 job'
      ]);
    });
  });

  it("offers no action on other users' jobs", async () => {
    client.nextJobs = async scope => ({
      ...fakes.slurmJobs(),
      scope,
      user: 'alice',
      jobs: [job({ id: '9', job_id: '9', user: 'bob' })]
    });
    ({ panel } = await openPanel(client));

    select(panel, '9');
    await waitFor(() => {
      expect(
        find<HTMLButtonElement>(panel.node, 'jp-hpc-SlurmPanel-cancel').disabled
      ).toBe(true);
      expect(
        find<HTMLButtonElement>(panel.node, 'jp-hpc-SlurmPanel-details')
          .disabled
      ).toBe(false);
    });
  });
});

describe('confirmCancel', () => {
  const jobs = [
    job({ id: '1234', name: '<b>train</b>' }),
    job({ id: '77_[1-500]', job_id: '77', name: 'big array' })
  ];

  it('lists every job by id and exact name, and says yes on the warn button', async () => {
    const answer = confirmCancel(trans)(jobs, null);
    await waitForDialog();

    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    const items = Array.from(
      dialog.querySelectorAll('.jp-hpc-SlurmConfirm-job')
    );
    expect(
      items.map(
        item => find(item as HTMLElement, 'jp-hpc-SlurmConfirm-id').textContent
      )
    ).toEqual(['1234', '77_[1-500]']);
    expect(find(dialog, 'jp-hpc-SlurmConfirm-name').textContent).toBe(
      '<b>train</b>'
    );
    // Too many tasks to cancel one by one: the whole array is named.
    expect(find(dialog, 'jp-hpc-SlurmConfirm-note').textContent).toBe(
      '(every task of array 77)'
    );
    await dangerDialog();

    await expect(answer).resolves.toBe(true);
  });

  it('says no when dismissed', async () => {
    const answer = confirmCancel(trans)(jobs, null);
    await dismissDialog();

    await expect(answer).resolves.toBe(false);
  });
});

describe('showJobDetails', () => {
  afterEach(async () => {
    if (document.querySelector('.jp-Dialog')) {
      await dismissDialog();
    }
  });

  it('shows the fields people look at first, in words, and folds the rest', async () => {
    const client = new fakes.FakeClient();
    const details = fakes.slurmJob();

    void showJobDetails({ client, job: job(), trans, open: jest.fn() });
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;

    const summary = (key: string) =>
      dialog.querySelector(`[data-summary="${key}"]`)?.textContent;
    expect(summary('state')).toBe('PENDING: held by you');
    expect(summary('submitted')).toBe('2026-11-23 12:54:47');
    expect(summary('started')).toBe('not yet');
    expect(summary('time')).toBe('00:00:00 of 20:00:00');
    expect(summary('partition')).toBe('debug');
    expect(summary('resources')).toBe('1 node, 1 CPU, 256M memory');
    expect(summary('workdir')).toBe('/gpfswork/alice/runs/model a');
    expect(summary('stdout')).toBe(details.stdout_path);
    expect(summary('exitcode')).toBe('0:0');
    // Unset fields are left out of the sheet ("(null)" account, no node yet)
    expect(summary('account')).toBeUndefined();
    expect(summary('nodelist')).toBeUndefined();
    // Output and errors go to one file: no second button, no second line
    expect(summary('stderr')).toBeUndefined();
    expect(dialog.querySelector('.jp-hpc-SlurmDetails-stderr')).toBeNull();
    expect(find(dialog, 'jp-hpc-SlurmDetails-stdout').textContent).toBe(
      'Open output and errors'
    );

    // Every field is still there, folded, in one scroll container
    const all = find<HTMLDetailsElement>(dialog, 'jp-hpc-SlurmDetails-all');
    expect(all.open).toBe(false);
    expect(all.querySelector('summary')?.textContent).toBe('All fields');
    expect(all.querySelectorAll('[data-field]')).toHaveLength(
      Object.keys(details.fields).length
    );
  });

  it('offers the errors apart when they go to another file, and opens the output', async () => {
    const client = new fakes.FakeClient();
    client.nextDetails = async () => copy(JOB);
    const open = jest.fn();

    const shown = showJobDetails({ client, job: job(), trans, open });
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;

    const stdout = find<HTMLButtonElement>(
      dialog,
      'jp-hpc-SlurmDetails-stdout'
    );
    const stderr = find<HTMLButtonElement>(
      dialog,
      'jp-hpc-SlurmDetails-stderr'
    );
    expect(stdout.textContent).toBe('Open output');
    expect(stdout.disabled).toBe(false);
    // Outside the server root: disabled, and says why
    expect(stderr.disabled).toBe(true);
    expect(stderr.parentElement!.title).toBe(
      '/scratch/alice/slurm-1234.err is outside the server root'
    );
    expect(dialog.querySelector('[data-summary="stderr"]')?.textContent).toBe(
      '/scratch/alice/slurm-1234.err'
    );
    stdout.click();
    await shown;

    expect(open).toHaveBeenCalledWith('slurm-1234.out');
    expect(document.querySelector('.jp-Dialog')).toBeNull();
  });

  it('tells why when Slurm no longer knows the job', async () => {
    const client = new fakes.FakeClient();
    Notification.manager.dismiss();
    client.nextDetails = () =>
      Promise.reject(
        new Error('slurm_load_jobs error: Invalid job id specified')
      );

    await showJobDetails({ client, job: job(), trans, open: jest.fn() });

    expect(messages()).toEqual([
      'The details of job 1234 could not be read: slurm_load_jobs error: Invalid job id specified'
    ]);
  });
});

describe('Requeuing jobs', () => {
  let client: fakes.FakeClient;
  let panel: SlurmPanel;

  beforeEach(() => {
    client = new fakes.FakeClient();
    client.nextJobs = async scope => ({ ...copy(JOBS), scope });
    Notification.manager.dismiss();
  });

  afterEach(() => {
    panel?.model?.dispose();
    panel?.dispose();
    document.querySelectorAll('.lm-Menu').forEach(menu => menu.remove());
  });

  /** A requeue confirmation that says `answer`, and records its calls. */
  const confirming = (answer: boolean) =>
    jest.fn<Promise<boolean>, Parameters<SlurmActions.ConfirmRequeue>>(
      async () => answer
    );

  it("requeues a running job from its row's menu, after asking", async () => {
    const confirmRequeue = confirming(true);
    ({ panel } = await openPanel(client, undefined, null, confirmRequeue));
    const before = client.jobsCalls.length;

    // When the row's actions button is used from the keyboard
    const row = panel.node.querySelector<HTMLElement>('[data-job-id="1234"]')!;
    find<HTMLButtonElement>(row, 'jp-hpc-SlurmJob-menu').click();
    await chooseMenuItem('Requeue');

    // Then the user is asked, the job requeued, and the queue read again
    await waitFor(() => {
      expect(confirmRequeue).toHaveBeenCalledTimes(1);
      expect(client.actions).toEqual(['requeue 1234']);
      expect(messages()).toContain('Requeue requested for 1 job');
    });
    expect(confirmRequeue.mock.calls[0]).toEqual([
      [expect.objectContaining({ id: '1234' })],
      false,
      null
    ]);
    await waitFor(() => client.jobsCalls.length > before);
  });

  it('requeues held from the More menu of the selection', async () => {
    const confirmRequeue = confirming(true);
    ({ panel } = await openPanel(client, undefined, null, confirmRequeue));

    select(panel, '1234');
    select(panel, '1236_[1-3]');
    await clickEnabled(panel, 'jp-hpc-SlurmPanel-more');
    await chooseMenuItem('Requeue and Hold');

    // Only the running one: a pending job has nothing to requeue
    await waitFor(() => {
      expect(client.actions).toEqual(['requeue-hold 1234']);
      expect(messages()).toContain('Requeue and hold requested for 1 job');
    });
    expect(confirmRequeue.mock.calls[0][1]).toBe(true);
  });

  it('requeues nothing when the user says no', async () => {
    const refuse = confirming(false);
    ({ panel } = await openPanel(client, undefined, null, refuse));

    const row = panel.node.querySelector<HTMLElement>('[data-job-id="1234"]')!;
    find<HTMLButtonElement>(row, 'jp-hpc-SlurmJob-menu').click();
    await chooseMenuItem('Requeue');
    await waitFor(() => expect(refuse).toHaveBeenCalledTimes(1));
    await flush();

    expect(client.actions).toEqual([]);
  });

  it("shows Slurm's refusal verbatim", async () => {
    const refusal =
      'scontrol: error: Requested operation is presently disabled for job 1234';
    client.nextAction = async () => {
      throw new Error(refusal);
    };
    ({ panel } = await openPanel(client, undefined, null, async () => true));

    const row = panel.node.querySelector<HTMLElement>('[data-job-id="1234"]')!;
    find<HTMLButtonElement>(row, 'jp-hpc-SlurmJob-menu').click();
    await chooseMenuItem('Requeue');

    await waitFor(() =>
      expect(messages()).toEqual([
        `1 of 1 jobs could not be requeued: 1234: ${refusal}`
      ])
    );
  });

  it("offers only what applies: no requeue of a pending job, nothing on others' jobs", async () => {
    client.nextJobs = async scope => ({
      ...copy(JOBS),
      scope,
      user: 'alice',
      jobs: [...copy(JOBS).jobs, job({ id: '9', job_id: '9', user: 'bob' })]
    });
    ({ panel } = await openPanel(client));
    const menuOf = async (id: string) => {
      document.querySelectorAll('.lm-Menu').forEach(menu => menu.remove());
      const row = panel.node.querySelector<HTMLElement>(
        `[data-job-id="${id}"]`
      )!;
      find<HTMLButtonElement>(row, 'jp-hpc-SlurmJob-menu').click();
      await waitFor(() => document.querySelector('.lm-Menu') !== null);
      return enabledMenuItems();
    };

    expect(await menuOf('1237')).toEqual([
      'Details',
      'Copy Job Id',
      'Copy Row',
      'Release',
      'Cancel'
    ]);
    expect(await menuOf('1234')).toEqual([
      'Details',
      'Copy Job Id',
      'Copy Row',
      'Requeue',
      'Requeue and Hold',
      'Cancel'
    ]);
    expect(await menuOf('9')).toEqual(['Details', 'Copy Job Id', 'Copy Row']);
  });

  it("warns that requeuing this JupyterLab's own job stops it", async () => {
    const answer = confirmRequeue(trans)([job()], true, job());
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;

    expect(dialog.textContent).toContain('Requeue and hold 1 job?');
    expect(find(dialog, 'jp-hpc-SlurmConfirm-session').textContent).toContain(
      'requeuing it stops this JupyterLab'
    );
    expect(find(dialog, 'jp-hpc-SlurmConfirm-id').textContent).toBe('1234');
    // "Keep" is the default: Enter requeues nothing
    await dismissDialog();
    await expect(answer).resolves.toBe(false);
  });
});

describe('Copying a job', () => {
  let client: fakes.FakeClient;
  let panel: SlurmPanel;

  beforeEach(() => {
    client = new fakes.FakeClient();
    client.nextJobs = async scope => ({ ...copy(JOBS), scope });
    Notification.manager.dismiss();
  });

  afterEach(() => {
    panel?.model?.dispose();
    panel?.dispose();
    jest.restoreAllMocks();
  });

  it('copies the id, or the row as tab-separated text, from the context menu', async () => {
    const copied = jest
      .spyOn(Clipboard, 'copyToSystem')
      .mockImplementation(() => undefined);
    ({ panel } = await openPanel(client));
    const row = panel.node.querySelector<HTMLElement>('[data-job-id="1237"]')!;

    row.dispatchEvent(
      new MouseEvent('contextmenu', { bubbles: true, clientX: 5, clientY: 5 })
    );
    await chooseMenuItem('Copy Job Id');
    await waitFor(() => expect(copied).toHaveBeenCalledWith('1237'));

    row.dispatchEvent(
      new MouseEvent('contextmenu', { bubbles: true, clientX: 5, clientY: 5 })
    );
    await chooseMenuItem('Copy Row');
    await waitFor(() =>
      expect(copied).toHaveBeenLastCalledWith(
        "1237\tit's held\talice\tPENDING\tdebug\t\t0:00\tUNLIMITED\tJobHeldUser"
      )
    );
    expect(messages()).toContain('Copied job id 1237');
  });
});

import { Notification } from '@jupyterlab/apputils';
import {
  dangerDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testutils';

import { ISlurmJob } from '../../api/types';
import { confirmCancel, showJobDetails } from '../../slurm/dialogs';
import { SlurmPanel } from '../../slurm/panel';
import { job, JOBS } from './contract';
import * as fakes from '../fakes';
import { clickEnabled, copy, find, openPanel, select, trans } from './utils';
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
  it('lists every field and opens the output inside the server root', async () => {
    const client = new fakes.FakeClient();
    const open = jest.fn();
    const details = fakes.slurmJob();

    const shown = showJobDetails({ client, job: job(), trans, open });
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;

    expect(dialog.querySelectorAll('[data-field]')).toHaveLength(
      Object.keys(details.fields).length
    );
    const stdout = find<HTMLButtonElement>(
      dialog,
      'jp-hpc-SlurmDetails-stdout'
    );
    const stderr = find<HTMLButtonElement>(
      dialog,
      'jp-hpc-SlurmDetails-stderr'
    );
    expect(stdout.disabled).toBe(details.stdout_relative === null);
    expect(stderr.disabled).toBe(details.stderr_relative === null);
    if (details.stderr_relative === null && details.stderr_path) {
      expect(stderr.parentElement!.title).toBe(
        `${details.stderr_path} is outside the server root`
      );
    }
    stdout.click();
    await shown;

    expect(open).toHaveBeenCalledWith(details.stdout_relative);
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

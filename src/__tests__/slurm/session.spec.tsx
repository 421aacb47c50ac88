import { Notification } from '@jupyterlab/apputils';
import {
  dangerDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testutils';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';

import { IInfo, ISlurmJob } from '../../api/types';
import { addHubCommands } from '../../hub/commands';
import { confirmCancel } from '../../slurm/dialogs';
import { SlurmPanel } from '../../slurm/panel';
import { SlurmSession } from '../../slurm/session';
import { job, JOBS } from './contract';
import * as fakes from '../fakes';
import {
  clickEnabled,
  copy,
  find,
  openPanel,
  rows,
  select,
  trans
} from './utils';
import { flush, waitFor } from '../wait';

/** `GET info` of a server spawned by a hub in Slurm job 1234. */
function infoInJob(id = '1234'): IInfo {
  return {
    ...fakes.info(),
    job: { id, time_limit_s: 3600, end_time: '2030-01-01T10:00:00Z' }
  };
}

describe('The job this JupyterLab runs in', () => {
  let client: fakes.FakeClient;
  let commands: CommandRegistry;
  let session: SlurmSession;
  let panel: SlurmPanel;
  let hub: IDisposable | null;
  let navigated: string[];

  beforeEach(() => {
    client = new fakes.FakeClient();
    client.nextJobs = async scope => ({ ...copy(JOBS), scope });
    client.nextInfo = async () => infoInJob();
    commands = new CommandRegistry();
    session = new SlurmSession({ client, commands });
    hub = null;
    navigated = [];
    Notification.manager.dismiss();
  });

  afterEach(async () => {
    panel?.model?.dispose();
    panel?.dispose();
    session.dispose();
    hub?.dispose();
    if (document.querySelector('.jp-Dialog')) {
      await dismissDialog();
    }
  });

  it('is marked in the queue, for the eye and for screen readers', async () => {
    ({ panel } = await openPanel(client, async () => true, session));

    await waitFor(() => {
      const marked = rows(panel).filter(row =>
        row.classList.contains('jp-mod-session')
      );
      expect(marked.map(row => row.dataset.jobId)).toEqual(['1234']);
    });
    const row = rows(panel).find(row => row.dataset.jobId === '1234')!;
    const badge = find(row, 'jp-hpc-SlurmSessionBadge');
    expect(badge.textContent).toBe('this JupyterLab');
    expect(badge.title).toMatch(/This JupyterLab runs in job 1234/);
    expect(
      row.querySelector('input[type="checkbox"]')!.getAttribute('aria-label')
    ).toBe('Select job 1234, the job this JupyterLab runs in');
    // and no other job is
    expect(
      panel.node.querySelectorAll('.jp-hpc-SlurmSessionBadge')
    ).toHaveLength(1);
  });

  it('marks nothing outside a job', async () => {
    // Given a server in no job (the golden info), its session read anew
    session.dispose();
    client.nextInfo = async () => fakes.info();
    session = new SlurmSession({ client, commands });
    const changed = new Promise(resolve => session.changed.connect(resolve));
    ({ panel } = await openPanel(client, async () => true, session));
    await changed;
    await flush();

    expect(panel.node.querySelector('.jp-mod-session')).toBeNull();
    expect(panel.node.querySelector('.jp-hpc-SlurmSessionBadge')).toBeNull();
  });

  it('is named to the confirmation when a cancel includes it', async () => {
    const confirm = jest.fn(
      async (jobs: readonly ISlurmJob[], own: ISlurmJob | null) => false
    );
    ({ panel } = await openPanel(client, confirm, session));
    await waitFor(() => panel.node.querySelector('.jp-mod-session') !== null);

    // A cancel of other jobs does not name it
    select(panel, '1237');
    await clickEnabled(panel, 'jp-hpc-SlurmPanel-cancel');
    await waitFor(() => expect(confirm).toHaveBeenCalledTimes(1));
    expect(confirm.mock.calls[0][1]).toBeNull();

    // while one that includes it does
    select(panel, '1234');
    await clickEnabled(panel, 'jp-hpc-SlurmPanel-cancel');
    await waitFor(() => expect(confirm).toHaveBeenCalledTimes(2));
    expect(confirm.mock.calls[1][1]?.id).toBe('1234');
    expect(client.actions).toEqual([]);
  });

  it('offers End Session in the panel under a hub, which asks, ends and leaves', async () => {
    // Without the hub's command there is no such button
    ({ panel } = await openPanel(client, async () => true, session));
    await waitFor(() => panel.node.querySelector('.jp-mod-session') !== null);
    expect(
      panel.node.querySelector('.jp-hpc-SlurmPanel-end-session')
    ).toBeNull();

    // Under a hub it comes
    hub = addHubCommands({
      commands,
      client,
      page: { hubPrefix: '/hub/', hubHost: '' },
      trans,
      navigate: url => navigated.push(url)
    });
    await waitFor(() =>
      expect(
        panel.node.querySelector('.jp-hpc-SlurmPanel-end-session')?.textContent
      ).toBe('End Session')
    );

    // and asks before ending anything
    await clickEnabled(panel, 'jp-hpc-SlurmPanel-end-session');
    await waitForDialog();
    expect(document.querySelector('.jp-Dialog')!.textContent).toContain(
      'its Slurm job 1234 ends and the allocation is released'
    );
    await dangerDialog();
    await waitFor(() => expect(navigated).toEqual(['/hub/home']));
    expect(client.endCalls).toBe(1);
  });
});

describe('confirmCancel of the session job', () => {
  afterEach(async () => {
    if (document.querySelector('.jp-Dialog')) {
      await dismissDialog();
    }
  });

  it('warns that this JupyterLab stops and unsaved work is lost', async () => {
    const own = job({ id: '1234' });
    const answer = confirmCancel(trans)([own, job({ id: '1240' })], own);
    await waitForDialog();

    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(find(dialog, 'jp-hpc-SlurmConfirm-session').textContent).toBe(
      'This JupyterLab runs in job 1234: cancelling it stops this JupyterLab, and work that is not saved is lost.'
    );
    expect(dialog.textContent).toContain('Stop this JupyterLab?');
    expect(dialog.textContent).toContain('(this JupyterLab)');
    expect(dialog.querySelector('.jp-mod-warn')?.textContent).toBe(
      'Cancel 2 jobs'
    );
    await dangerDialog();
    await expect(answer).resolves.toBe(true);
  });

  it('says nothing of JupyterLab for other jobs', async () => {
    const answer = confirmCancel(trans)([job({ id: '1240' })], null);
    await waitForDialog();

    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(dialog.querySelector('.jp-hpc-SlurmConfirm-session')).toBeNull();
    expect(dialog.textContent).not.toContain('JupyterLab');
    await dismissDialog();
    await expect(answer).resolves.toBe(false);
  });
});

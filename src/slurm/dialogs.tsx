import {
  Dialog,
  Notification,
  ReactWidget,
  showDialog
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IHPCClient } from '../api/client';
import { ISlurmJob, ISlurmJobDetails } from '../api/types';
import type { SlurmActions } from './actions';
import { JobDetails } from './details';
import { actionIds } from './jobs';

/**
 * The cancel confirmation: every job's id and exact name, and the safe
 * answer ("Keep") focused, so that Enter does not cancel anything. When this
 * JupyterLab's own job is among them, it says so first: JupyterLab stops.
 */
export function confirmCancel(trans: TranslationBundle): SlurmActions.Confirm {
  return async (jobs, session) => {
    const result = await showDialog({
      title: session
        ? trans.__('Stop this JupyterLab?')
        : trans._n('Cancel %1 job?', 'Cancel %1 jobs?', jobs.length),
      body: (
        <div className="jp-hpc-SlurmConfirm-body">
          {session && (
            <p className="jp-hpc-SlurmConfirm-session">
              {trans.__(
                'This JupyterLab runs in job %1: cancelling it stops this JupyterLab, and work that is not saved is lost.',
                session.id
              )}
            </p>
          )}
          <CancelList jobs={jobs} session={session} trans={trans} />
        </div>
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep') }),
        Dialog.warnButton({
          label: trans._n('Cancel %1 job', 'Cancel %1 jobs', jobs.length)
        })
      ],
      defaultButton: 0
    });
    return result.button.accept;
  };
}

/** The jobs a cancellation would reach. */
export function CancelList(props: {
  jobs: readonly ISlurmJob[];
  session?: ISlurmJob | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <ul className="jp-hpc-SlurmConfirm">
      {props.jobs.map(job => (
        <li key={job.id} className="jp-hpc-SlurmConfirm-job">
          <span className="jp-hpc-SlurmConfirm-id">{job.id}</span>
          <span className="jp-hpc-SlurmConfirm-name">{job.name}</span>
          {actionIds(job).whole && (
            <span className="jp-hpc-SlurmConfirm-note">
              {trans.__('(every task of array %1)', job.job_id)}
            </span>
          )}
          {job === props.session && (
            <span className="jp-hpc-SlurmConfirm-note">
              {trans.__('(this JupyterLab)')}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * Read one job's details and show them in a dialog; a failure (the job has
 * left the controller, say) becomes an error notification with Slurm's text.
 */
export async function showJobDetails(options: IDetailsOptions): Promise<void> {
  const { client, job, trans } = options;
  const { ids } = actionIds(job);
  let details: ISlurmJobDetails;
  try {
    details = await client.jobDetails(ids[0] ?? job.id);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    Notification.error(
      trans.__('The details of job %1 could not be read: %2', job.id, message),
      { autoClose: false }
    );
    return;
  }
  const dialog = new Dialog({
    title: trans.__('Slurm job %1', job.id),
    body: ReactWidget.create(
      <JobDetails
        details={details}
        trans={trans}
        onOpen={path => {
          dialog.resolve(0);
          options.open(path);
        }}
      />
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
  dialog.addClass('jp-hpc-SlurmDetailsDialog');
  await dialog.launch();
}

/** The options of `showJobDetails`. */
export interface IDetailsOptions {
  /** The API client. */
  client: IHPCClient;
  /** The job, as the queue lists it. */
  job: ISlurmJob;
  /** The translation bundle of the extension. */
  trans: TranslationBundle;
  /** Open a file, by its path relative to the server root. */
  open(path: string): void;
}

/**
 * The requeue confirmation, like the cancel one: the jobs by id and name,
 * what requeuing does to them, and "Keep" focused.
 */
export function confirmRequeue(
  trans: TranslationBundle
): SlurmActions.ConfirmRequeue {
  return async (jobs, hold, session) => {
    const result = await showDialog({
      title: hold
        ? trans._n(
            'Requeue and hold %1 job?',
            'Requeue and hold %1 jobs?',
            jobs.length
          )
        : trans._n('Requeue %1 job?', 'Requeue %1 jobs?', jobs.length),
      body: (
        <div className="jp-hpc-SlurmConfirm-body">
          {session && (
            <p className="jp-hpc-SlurmConfirm-session">
              {trans.__(
                'This JupyterLab runs in job %1: requeuing it stops this JupyterLab, and work that is not saved is lost.',
                session.id
              )}
            </p>
          )}
          <p className="jp-hpc-SlurmConfirm-what">
            {hold
              ? trans.__(
                  'Each running job is stopped and put back in the queue, held: it starts again from the beginning once you release it.'
                )
              : trans.__(
                  'Each running job is stopped and put back in the queue: it starts again from the beginning.'
                )}
          </p>
          <CancelList jobs={jobs} session={session} trans={trans} />
        </div>
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep') }),
        Dialog.warnButton({
          label: hold ? trans.__('Requeue and hold') : trans.__('Requeue')
        })
      ],
      defaultButton: 0
    });
    return result.button.accept;
  };
}

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
import { SlurmActions } from './actions';
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

/** Every `scontrol show job` field, and buttons for the output files. */
export function JobDetails(props: {
  details: ISlurmJobDetails;
  trans: TranslationBundle;
  onOpen(path: string): void;
}): JSX.Element {
  const { details, trans } = props;
  return (
    <div className="jp-hpc-SlurmDetails">
      <div className="jp-hpc-SlurmDetails-files">
        <OpenButton
          className="jp-hpc-SlurmDetails-stdout"
          label={trans.__('Open output')}
          relative={details.stdout_relative}
          absolute={details.stdout_path}
          trans={trans}
          onOpen={props.onOpen}
        />
        <OpenButton
          className="jp-hpc-SlurmDetails-stderr"
          label={trans.__('Open errors')}
          relative={details.stderr_relative}
          absolute={details.stderr_path}
          trans={trans}
          onOpen={props.onOpen}
        />
      </div>
      <table className="jp-hpc-SlurmDetails-fields">
        <tbody>
          {Object.entries(details.fields).map(([key, value]) => (
            <tr key={key} data-field={key}>
              <th scope="row" className="jp-hpc-SlurmDetails-key">
                {key}
              </th>
              <td className="jp-hpc-SlurmDetails-value">{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A button that opens an output file, disabled where the file is outside
 * the server root (the file browser cannot reach it) or unknown.
 */
function OpenButton(props: {
  className: string;
  label: string;
  relative: string | null;
  absolute: string | null;
  trans: TranslationBundle;
  onOpen(path: string): void;
}): JSX.Element {
  const { relative, absolute, trans } = props;
  const title =
    relative !== null
      ? trans.__('Open %1', relative)
      : absolute
        ? trans.__('%1 is outside the server root', absolute)
        : trans.__('Slurm names no such file for this job');
  // A disabled button shows no tooltip in every browser: the wrapper does.
  return (
    <span className="jp-hpc-SlurmDetails-file" title={title}>
      <button
        className={`${props.className} jp-mod-styled`}
        disabled={relative === null}
        aria-label={`${props.label}: ${title}`}
        onClick={() => relative !== null && props.onOpen(relative)}
      >
        {props.label}
      </button>
    </span>
  );
}

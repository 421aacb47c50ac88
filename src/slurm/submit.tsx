import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IHPCClient } from '../api/client';
import { ISlurmSubmitResult } from '../api/types';

/** How long the "in progress" toast needs to be drawn before it can be updated. */
const TOAST_DRAWN_MS = 500;

/** The extensions of the files "Submit to Slurm" is offered for. */
export const SCRIPT_EXTENSIONS = ['.sh', '.slurm', '.sbatch'];

/** Whether a path names a batch script, by its extension. */
export function isBatchScript(path: string): boolean {
  return SCRIPT_EXTENSIONS.includes(PathExt.extname(path).toLowerCase());
}

/**
 * Submit a script file with sbatch and tell the user how it went.
 *
 * The notification is "in progress" until the server answers (no "job
 * submitted" before sbatch has said so), then shows sbatch's own message,
 * or sbatch's error verbatim with a "Show details" action for the full text
 * (a notification only shows its first 140 characters). Never rejects.
 */
export async function submitScript(
  options: ISubmitOptions
): Promise<ISlurmSubmitResult | null> {
  const { client, path, trans } = options;
  const name = PathExt.basename(path);
  const id = Notification.emit(
    trans.__('Submitting %1 to Slurm…', name),
    'in-progress',
    { autoClose: false }
  );
  // JupyterLab draws toasts asynchronously: an update that comes before the
  // "in progress" toast is on screen is lost (the toast keeps saying
  // "Submitting…"), and sbatch often answers within milliseconds.
  const drawn = new Promise(resolve => setTimeout(resolve, TOAST_DRAWN_MS));
  try {
    const result = await client.submitJob({ path }).finally(() => drawn);
    Notification.update({
      id,
      message: result.message || trans.__('Submitted batch job %1', result.id),
      type: 'success',
      autoClose: 5000
    });
    await options.onSubmitted?.(result);
    return result;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    Notification.update({
      id,
      message: trans.__('%1 was not submitted: %2', name, detail),
      type: 'error',
      autoClose: false,
      actions: [
        {
          label: trans.__('Show details'),
          caption: trans.__("Show sbatch's whole message"),
          callback: event => {
            // Keep the notification: the user may want to read it again.
            event.preventDefault();
            void showSubmitError(path, detail, trans);
          }
        }
      ]
    });
    return null;
  }
}

/** The options of `submitScript`. */
export interface ISubmitOptions {
  /** The API client. */
  client: IHPCClient;
  /** The script, relative to the server root. */
  path: string;
  /** The translation bundle of the extension. */
  trans: TranslationBundle;
  /** Called after a successful submission, e.g. to refresh the queue. */
  onSubmitted?(result: ISlurmSubmitResult): void | Promise<void>;
}

/** A dialog with the whole text of a failed submission. */
export function showSubmitError(
  path: string,
  message: string,
  trans: TranslationBundle
): Promise<Dialog.IResult<unknown>> {
  return showDialog({
    title: trans.__('%1 was not submitted', PathExt.basename(path)),
    body: (
      <div className="jp-hpc-SlurmSubmitError">
        <p>{trans.__('sbatch answered:')}</p>
        <pre className="jp-hpc-SlurmSubmitError-message">{message}</pre>
      </div>
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

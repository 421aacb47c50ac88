import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { notifyFailure } from '../notify';

/**
 * Ask, then end the session: the server asks the hub to stop it, which ends
 * its Slurm job and releases the allocation. On success the browser goes to
 * the hub's home page in this window; on failure the server's message shows
 * and the page stays. Resolves to whether the session is ending.
 */
export async function endSession(
  options: IEndSessionOptions
): Promise<boolean> {
  const { client, jobId, trans } = options;
  const result = await showDialog({
    title: trans.__('End this session?'),
    body: trans.__(
      'JupyterLab stops, its Slurm job %1 ends and the allocation is released. Work that is not saved is lost.',
      jobId
    ),
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: trans.__('End Session') })
    ],
    // The safe answer is the default: Enter ends nothing.
    defaultButton: 0
  });
  if (!result.button.accept) {
    return false;
  }
  const id = Notification.emit(
    trans.__(
      'Ending the session: the hub stops JupyterLab and Slurm job %1…',
      jobId
    ),
    'in-progress',
    { autoClose: false }
  );
  let message: string;
  try {
    message = (await client.endSession()).message;
  } catch (error) {
    Notification.dismiss(id);
    notifyFailure(
      'error',
      trans.__('The session could not be ended'),
      error instanceof Error ? error.message : String(error),
      trans
    );
    return false;
  }
  Notification.update({
    id,
    type: 'success',
    message: message || trans.__('The session is ending.'),
    autoClose: false
  });
  // Nothing answers here once the server stops: the hub's home says what runs.
  options.navigate(options.hubHome);
  return true;
}

/** The options of `endSession`. */
export interface IEndSessionOptions {
  /** The API client. */
  client: IHPCClient;
  /** The Slurm job this server runs in. */
  jobId: string;
  /** The hub's home page (its control panel), absolute. */
  hubHome: string;
  /** Leave this page for a URL, in the same window. */
  navigate: (url: string) => void;
  /** The jupyterlab_hpc translations. */
  trans: TranslationBundle;
}

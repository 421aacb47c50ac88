import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/**
 * How many characters of its message a JupyterLab toast shows; the rest is
 * cut and replaced by "…" (`@jupyterlab/notification-extension`).
 */
export const TOAST_MESSAGE_LENGTH = 140;

/**
 * A "Show details" action with the whole text, for a message a toast would cut.
 *
 * Returns no action when the message fits, so a short error stays one line.
 * The dialog shows `details`, the message itself unless told otherwise (e.g.
 * one line per failure where the toast joins them).
 */
export function detailsActions(
  message: string,
  title: string,
  trans: TranslationBundle,
  details: string = message
): Notification.IAction[] {
  if (message.length <= TOAST_MESSAGE_LENGTH) {
    return [];
  }
  return [
    {
      label: trans.__('Show details'),
      caption: trans.__('Show the whole message'),
      callback: event => {
        // Keep the toast: the user may want to read it again.
        event.preventDefault();
        void showDetails(title, details, trans);
      }
    }
  ];
}

/**
 * A notification that stays until dismissed: "title: reason", with "Show
 * details" (title and `details`, the reason by default) when the toast would
 * cut it. Returns the notification's id.
 */
export function notifyFailure(
  type: 'error' | 'warning',
  title: string,
  reason: string,
  trans: TranslationBundle,
  details?: string
): string {
  const message = trans.__('%1: %2', title, reason);
  return Notification.emit(message, type, {
    autoClose: false,
    actions: detailsActions(message, title, trans, details ?? message)
  });
}

/** A dialog with the whole text of a message. */
export function showDetails(
  title: string,
  message: string,
  trans: TranslationBundle
): Promise<Dialog.IResult<unknown>> {
  return showDialog({
    title,
    body: <pre className="jp-hpc-MessageDetails">{message}</pre>,
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

import { Dialog, Notification } from '@jupyterlab/apputils';
import { dismissDialog } from '@jupyterlab/testutils';
import { nullTranslator } from '@jupyterlab/translation';

import {
  TOAST_MESSAGE_LENGTH,
  detailsActions,
  notifyFailure
} from '../../notify';
import { waitFor } from '../wait';

const trans = nullTranslator.load('jupyterlab_hpc');

/** A click event the action's callback can prevent. */
const click = () => new MouseEvent('click', { cancelable: true });

/** The text of an element of the open dialog, once React has drawn it. */
async function dialogText(selector: string): Promise<string> {
  let text = '';
  await waitFor(() => {
    text = document.querySelector(`.jp-Dialog ${selector}`)?.textContent ?? '';
    expect(text).not.toBe('');
  });
  return text;
}

describe('detailsActions', () => {
  // A dialog left open by a failed test would hold back the next one.
  afterEach(() => Dialog.flush());

  it('offers nothing for a message the toast shows whole', () => {
    const message = 'x'.repeat(TOAST_MESSAGE_LENGTH);
    expect(detailsActions(message, 'Title', trans)).toEqual([]);
  });

  it('shows the whole of a longer message in a dialog and keeps the toast', async () => {
    const message = `Filesystem "private" is not mounted: /${'deep/'.repeat(30)}private`;
    const [action] = detailsActions(message, 'Not mounted', trans);
    expect(action.label).toBe('Show details');

    const event = click();
    action.callback(event);

    expect(await dialogText('.jp-Dialog-header')).toBe('Not mounted');
    expect(await dialogText('.jp-hpc-MessageDetails')).toBe(message);
    expect(event.defaultPrevented).toBe(true);
    await dismissDialog();
  });

  it('shows the details it is given instead of the message', async () => {
    const message = `2 of 2 jobs failed: ${'1: denied; '.repeat(20)}`;
    const [action] = detailsActions(
      message,
      'Failed',
      trans,
      '1: denied\n2: denied'
    );
    action.callback(click());

    expect(await dialogText('.jp-hpc-MessageDetails')).toBe(
      '1: denied\n2: denied'
    );
    await dismissDialog();
  });

  it('is accepted by Notification as toast actions', () => {
    const message = 'y'.repeat(TOAST_MESSAGE_LENGTH + 1);
    const id = Notification.error(message, {
      actions: detailsActions(message, 'Title', trans)
    });
    const shown = Notification.manager.notifications.find(n => n.id === id)!;
    expect(shown.options.actions?.map(a => a.label)).toEqual(['Show details']);
    Notification.manager.dismiss(id);
  });
});

describe('notifyFailure', () => {
  afterEach(() => Notification.manager.dismiss());

  it('stays until dismissed, says "title: reason", and adds details only when cut', () => {
    const short = notifyFailure(
      'warning',
      'Not mounted',
      'No such folder.',
      trans
    );
    const long = notifyFailure(
      'error',
      '2 of 2 jobs could not be cancelled',
      `1: ${'denied '.repeat(15)}; 2: ${'denied '.repeat(15)}`,
      trans,
      'one per line'
    );
    const shown = (id: string) =>
      Notification.manager.notifications.find(n => n.id === id)!;

    expect(shown(short).message).toBe('Not mounted: No such folder.');
    expect(shown(short).type).toBe('warning');
    expect(shown(short).options.autoClose).toBe(false);
    expect(shown(short).options.actions).toEqual([]);
    expect(shown(long).type).toBe('error');
    expect(shown(long).options.actions?.map(a => a.label)).toEqual([
      'Show details'
    ]);
  });
});

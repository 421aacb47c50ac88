import { Notification } from '@jupyterlab/apputils';
import { dismissDialog, waitForDialog } from '@jupyterlab/testutils';
import { nullTranslator } from '@jupyterlab/translation';

import { TOAST_MESSAGE_LENGTH, detailsActions } from '../../notify';

const trans = nullTranslator.load('jupyterlab_hpc');

/** A click event the action's callback can prevent. */
const click = () => new MouseEvent('click', { cancelable: true });

describe('detailsActions', () => {
  afterEach(() => {
    document.querySelectorAll('.jp-Dialog').forEach(node => node.remove());
  });

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
    await waitForDialog();

    expect(event.defaultPrevented).toBe(true);
    const dialog = document.querySelector('.jp-Dialog')!;
    expect(dialog.querySelector('.jp-Dialog-header')!.textContent).toBe(
      'Not mounted'
    );
    expect(dialog.querySelector('.jp-hpc-MessageDetails')!.textContent).toBe(
      message
    );
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
    await waitForDialog();

    expect(document.querySelector('.jp-hpc-MessageDetails')!.textContent).toBe(
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

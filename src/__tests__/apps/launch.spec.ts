import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { IFrame } from '@jupyterlab/ui-components';

import { IRunningApps } from '../../api/types';
import { AppLaunches } from '../../apps/launch';
import { RunningAppsModel } from '../../apps/model';
import { HPCRequestError } from '../../api/client';
import * as fakes from '../fakes';
import {
  fakeWindowOpen,
  instance,
  opener,
  runningModel,
  shown,
  tensorboard,
  trans
} from './utils';
import { waitFor } from '../wait';

/** Twenty lines of output, the last ones saying why the app stopped. */
// As the server writes it: its own header lines, then the app's output.
const LOG = [
  '[jupyterlab-hpc] 2026-11-23T15:04:13+00:00 in /home/alice',
  '[jupyterlab-hpc] $ tensorboard --host 127.0.0.1 --port 40123 --logdri runs',
  ...Array.from({ length: 20 }, (_, i) => `line ${i + 1}`)
].join('\n');

describe('AppLaunches', () => {
  let client: fakes.FakeClient;
  let model: RunningAppsModel;
  let showLog: jest.Mock;
  let showFailure: jest.Mock;
  let answers: IRunningApps[];

  /** The flow, with a browser-tab or JupyterLab-tab opener. */
  function launches(openIn: 'browser-tab' | 'jupyterlab-tab' = 'browser-tab') {
    const made = opener(openIn);
    return {
      ...made,
      launches: new AppLaunches({
        client,
        model,
        opener: made.opener,
        trans,
        showLog,
        showFailure,
        toastDrawnMs: 0
      })
    };
  }

  beforeEach(() => {
    Notification.manager.dismiss();
    client = new fakes.FakeClient();
    // Each poll answers the next state; the last one stays.
    answers = [];
    client.nextRunning = async () =>
      answers.length > 1 ? answers.shift()! : answers[0];
    model = runningModel(client);
    showLog = jest.fn();
    showFailure = jest.fn();
  });

  afterEach(() => {
    model.dispose();
    jest.restoreAllMocks();
  });

  it('opens a tab at the click, says it starts, and shows the app once it answers', async () => {
    const { open, views } = fakeWindowOpen();
    answers = [
      { instances: [instance('starting')] },
      { instances: [instance('running')] }
    ];

    // When the user clicks Launch
    const pending = launches().launches.start(tensorboard(), 0, {
      args: '--logdir runs',
      env: {}
    });

    // Then the tab opened synchronously, before any answer, saying it waits
    expect(open).toHaveBeenCalledWith('', '_blank');
    expect(views[0].document.body.textContent).toBe(
      'Starting TensorBoard · 0…'
    );
    expect(views[0].opener).toBeNull();

    const result = await pending;
    expect(result.accepted).toBe(true);
    expect(client.launched).toEqual([{ args: '--logdir runs', env: {} }]);
    await waitFor(() => {
      expect(shown().map(n => [n.type, n.message])).toEqual([
        ['in-progress', 'Starting TensorBoard on endpoint 0…']
      ]);
    });

    // And once the app answers, the tab shows it
    await expect(result.done).resolves.toBe('running');
    expect(views[0].location.href).toBe('http://localhost:8888/tensorboard/0/');
    expect(views[0].close).not.toHaveBeenCalled();
    expect(shown().map(n => [n.type, n.message])).toEqual([
      ['success', 'TensorBoard is running on endpoint 0.']
    ]);
  });

  it('shows why an app failed: its exit code and the end of its log', async () => {
    const { views } = fakeWindowOpen();
    const reason = 'TensorBoard exited with code 2 before it answered';
    answers = [
      { instances: [instance('starting')] },
      {
        instances: [
          instance('failed', { exit_code: 2, message: reason, pid: null })
        ]
      }
    ];
    client.nextLog = async () => LOG;

    const result = await launches().launches.start(tensorboard(), 0, {
      args: '--logdri runs',
      env: {}
    });

    await expect(result.done).resolves.toBe('failed');
    // The waiting tab is closed: nothing will come there.
    expect(views[0].close).toHaveBeenCalled();
    const [notification] = shown();
    expect(notification.type).toBe('error');
    // the reason, then the log's last line: what a toast has room for
    expect(notification.message).toBe(`TensorBoard · 0: ${reason} line 20`);
    expect(client.appCalls).toContain('log tensorboard 0');

    const [showLogAction, details] = notification.options.actions!;
    expect(showLogAction.label).toBe('Show log');
    showLogAction.callback(new MouseEvent('click'));
    expect(showLog).toHaveBeenCalledWith('tensorboard', 0);
    details.callback(new MouseEvent('click'));
    expect(showFailure.mock.calls[0][0].exit_code).toBe(2);
    // Details: the app's last ten lines, without the server's header lines
    expect(showFailure.mock.calls[0][1]).toBe(
      Array.from({ length: 10 }, (_, i) => `line ${i + 11}`).join('\n')
    );
  });

  it('says when an app never answered within its timeout', async () => {
    fakeWindowOpen();
    const reason = 'TensorBoard did not answer within 60 s';
    answers = [
      {
        instances: [instance('failed', { exit_code: -15, message: reason })]
      }
    ];

    const result = await launches().launches.start(tensorboard(), 0, {
      args: '',
      env: {}
    });

    await expect(result.done).resolves.toBe('failed');
    expect(shown()[0].message).toBe(`TensorBoard · 0: ${reason}`);
  });

  it("keeps a refused launch in the dialog: the server's message verbatim, no tab", async () => {
    const { views } = fakeWindowOpen();
    const message =
      '$(…) command substitution is not allowed: write the value itself.';
    client.nextLaunch = () =>
      Promise.reject(new HPCRequestError({ status: 400, message, url: 'x' }));

    const result = await launches().launches.start(tensorboard(), 1, {
      args: '--logdir $(pwd)',
      env: {}
    });

    expect(result).toEqual({ accepted: false, message, done: null });
    expect(views[0].close).toHaveBeenCalled();
    expect(shown()).toEqual([]);
  });

  it('opens an identical launch that runs already, without waiting', async () => {
    const { views } = fakeWindowOpen();
    client.nextLaunch = async () => instance('running');

    const result = await launches().launches.start(tensorboard(), 0, {
      args: '--logdir runs',
      env: {}
    });

    await expect(result.done).resolves.toBe('running');
    expect(views[0].location.href).toBe('http://localhost:8888/tensorboard/0/');
    expect(client.appCalls).not.toContain('running');
  });

  it('does not take the failure of an earlier launch for this one', async () => {
    fakeWindowOpen();
    // A poll sent before the launch answers late, with the last launch's failure
    let late: () => void = () => undefined;
    client.nextRunning = () =>
      new Promise(resolve => {
        late = () =>
          resolve({ instances: [instance('failed', { exit_code: 1 })] });
      });
    void model.refresh();
    await waitFor(() => {
      expect(model.requested).toBe(1);
    });

    answers = [
      { instances: [instance('starting')] },
      { instances: [instance('running')] }
    ];
    const result = await launches().launches.start(tensorboard(), 0, {
      args: '--logdir runs',
      env: {}
    });
    client.nextRunning = async () =>
      answers.length > 1 ? answers.shift()! : answers[0];
    late();

    // The launch waits for an answer to a request sent after it
    await expect(result.done).resolves.toBe('running');
    expect(shown().map(n => n.type)).toEqual(['success']);
  });

  it('offers an Open button when the browser blocked the tab', async () => {
    const { open } = fakeWindowOpen(true);
    answers = [{ instances: [instance('running')] }];

    const result = await launches().launches.start(tensorboard(), 0, {
      args: '',
      env: {}
    });
    await result.done;

    const [notification] = shown();
    expect(notification.type).toBe('success');
    const [action] = notification.options.actions!;
    expect(action.label).toBe('Open');
    action.callback(new MouseEvent('click'));
    expect(open).toHaveBeenLastCalledWith(
      'http://localhost:8888/tensorboard/0/',
      '_blank'
    );
  });

  it('opens the app in a JupyterLab tab when the setting says so', async () => {
    const { open } = fakeWindowOpen();
    answers = [{ instances: [instance('running')] }];
    const { launches: flow, added } = launches('jupyterlab-tab');

    const result = await flow.start(tensorboard(), 0, { args: '', env: {} });
    await result.done;

    expect(open).not.toHaveBeenCalled();
    const widget = added.mock.calls[0][0] as MainAreaWidget<IFrame>;
    expect(widget.title.label).toBe('TensorBoard · 0');
    expect(widget.content.url).toBe('http://localhost:8888/tensorboard/0/');
    expect(widget.content.sandbox).toEqual(
      expect.arrayContaining([
        'allow-scripts',
        'allow-same-origin',
        'allow-forms',
        'allow-popups',
        'allow-downloads',
        'allow-modals'
      ])
    );
    widget.dispose();
  });
});

import { Notification } from '@jupyterlab/apputils';

import { HPCRequestError } from '../../api/client';
import { appIcon } from '../../launcher/icons';
import { RunningAppsModel, WATCH_INTERVAL } from '../../apps/model';
import { RunningAppsManager } from '../../apps/running';
import * as fakes from '../fakes';
import { instance, runningModel, shown, trans } from './utils';
import { waitFor } from '../wait';

describe('RunningAppsManager', () => {
  let client: fakes.FakeClient;
  let model: RunningAppsModel;
  let manager: RunningAppsManager;
  let open: jest.Mock;
  let showLog: jest.Mock;

  beforeEach(async () => {
    Notification.manager.dismiss();
    client = new fakes.FakeClient();
    let instances = [
      instance('running'),
      instance('failed', {
        endpoint: 1,
        exit_code: 2,
        message: 'TensorBoard exited with code 2 before it answered'
      })
    ];
    client.nextRunning = async () => ({ instances });
    client.nextStop = async (name, endpoint) => {
      instances = instances.filter(i => i.endpoint !== endpoint);
    };
    model = runningModel(client);
    open = jest.fn();
    showLog = jest.fn();
    manager = new RunningAppsManager({
      model,
      client,
      trans,
      icon: () => appIcon,
      open,
      showLog
    });
    await model.refresh();
    await waitFor(() => {
      expect(manager.running({ mode: 'list' })).toHaveLength(2);
    });
  });

  afterEach(() => model.dispose());

  it('lists every instance as "Title · endpoint" with its state', () => {
    const items = manager.running({ mode: 'list' });

    expect(manager.name).toBe('Applications');
    expect(items.map(i => [i.label(), i.detail!()])).toEqual([
      ['TensorBoard · 0', 'running'],
      ['TensorBoard · 1', 'failed (code 2)']
    ]);
    expect(items[1].className).toBe('jp-hpc-RunningApp jp-mod-failed');
    expect(items[0].context).toBe('tensorboard/0');
    const tooltip = items[0].labelTitle!();
    expect(tooltip).toContain('Arguments: --logdir runs');
    expect(tooltip).toContain('Variables: TF_CPP_MIN_LOG_LEVEL');
    expect(tooltip).toContain('Started: ');
    expect(items[1].labelTitle!()).toContain(
      'TensorBoard exited with code 2 before it answered'
    );
  });

  it('opens a running instance, and the log of a failed one', () => {
    const [running, failed] = manager.running({ mode: 'list' });

    running.open!();
    failed.open!();

    expect(open.mock.calls[0][0].endpoint).toBe(0);
    expect(showLog.mock.calls[0][0].endpoint).toBe(1);
  });

  it('shuts down one instance, then all', async () => {
    const [first] = manager.running({ mode: 'list' });

    first.shutdown!();
    await waitFor(() => {
      expect(client.appCalls).toContain('stop tensorboard 0');
      expect(manager.running({ mode: 'list' }).map(i => i.label())).toEqual([
        'TensorBoard · 1'
      ]);
    });

    manager.shutdownAll();
    await waitFor(() => {
      expect(client.appCalls).toContain('stop tensorboard 1');
      expect(manager.running({ mode: 'list' })).toEqual([]);
    });
  });

  it("says why a shutdown failed, in the server's words", async () => {
    client.nextStop = () =>
      Promise.reject(
        new HPCRequestError({ status: 500, message: 'kill: EPERM', url: 'x' })
      );

    await manager.shutdown(model.instances[0]);

    expect(shown().map(n => [n.type, n.message])).toEqual([
      ['error', 'TensorBoard · 0 could not be shut down: kill: EPERM']
    ]);
  });
});

describe('RunningAppsModel', () => {
  it('asks nothing while nobody looks, and every WATCH_INTERVAL ms while a launch waits', async () => {
    const client = new fakes.FakeClient();
    let shownPanel = false;
    const model = new RunningAppsModel({ client, isShown: () => shownPanel });
    // The poll started, and its tick stood by
    await waitFor(() => {
      expect(model.poll.state.phase).toBe('standby');
    });
    expect(client.appCalls).toEqual([]);

    const started = Date.now();
    const watching = model.watch();
    // A read at once, then one each interval
    await waitFor(() => {
      expect(client.appCalls.length).toBeGreaterThanOrEqual(3);
    });
    watching.dispose();
    const count = client.appCalls.length;
    const elapsed = Date.now() - started;
    // never more often than the interval (one read at the start, one at the end)
    expect(count).toBeLessThanOrEqual(Math.floor(elapsed / WATCH_INTERVAL) + 2);

    // Back at rest, with the panel closed: the next tick stands by, no request
    const watched = model.poll.state;
    await waitFor(() => {
      expect(model.poll.state).not.toBe(watched);
      expect(model.poll.state.phase).toBe('standby');
    });
    expect(client.appCalls.length).toBe(count);
    shownPanel = true;
    await model.refresh();
    await waitFor(() => {
      expect(model.find('tensorboard', 0)?.state).toBe('running');
    });
    model.dispose();
  });
});

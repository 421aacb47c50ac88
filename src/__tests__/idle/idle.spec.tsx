import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { IEndJob, IIdleClient, IIdleState } from '../../idle/api';
import {
  formatCullWarning,
  formatDuration,
  formatIdle,
  formatJobEndWarning
} from '../../idle/format';
import { IdleModel } from '../../idle/model';
import { followIdleSettings, Notifier } from '../../idle/plugin';
import { ActivityTracker, REPORT_INTERVAL } from '../../idle/tracker';
import { IdleItem } from '../../idle/widget';
import { rendered, waitFor } from '../wait';

const trans = nullTranslator.load('jupyterlab_hpc');
const MINUTE = 60;

/** `GET idle` after `idleS` seconds, with the rest as given. */
function idleState(
  idleS: number,
  overrides: Partial<IIdleState> = {},
  endJob: Partial<IEndJob> = {}
): IIdleState {
  return {
    idle_s: idleS,
    last_activity: '2026-12-03T18:00:00Z',
    cull_timeout_s: null,
    cull_source: null,
    culled_in_s: null,
    ...overrides,
    end_job: {
      enabled: false,
      after_s: null,
      warn_s: 600,
      ends_in_s: null,
      job_id: null,
      ...endJob
    }
  };
}

/** A client answering `state` and counting activity reports. */
class FakeIdleClient implements IIdleClient {
  state = jest.fn(async () => this.answer);
  reportActivity = jest.fn(async () => undefined);
  setEndJob = jest.fn(async () => this.answer.end_job);
  answer: IIdleState = idleState(0);
}

/** A notifier recording what is shown and withdrawn. */
function fakeNotifier(): IdleModel.INotifier & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    showCull: state => log.push(`cull ${state.culled_in_s}`),
    withdrawCull: () => log.push('withdraw cull'),
    showJobEnd: state => log.push(`job ${state.end_job.ends_in_s}`),
    withdrawJobEnd: () => log.push('withdraw job')
  };
}

describe('idle format', () => {
  it('says the idle time in minutes, then hours and minutes', () => {
    expect(formatIdle(25 * MINUTE + 59, trans)).toBe('Idle 25 min');
    expect(formatDuration(65 * MINUTE, trans)).toBe('1 h 05 min');
    expect(formatIdle(59, trans)).toBe('Idle <1 min');
    expect(formatCullWarning(4 * MINUTE + 1, 'environment', trans)).toBe(
      'This server has been idle: JupyterHub stops it in 5 minutes. Save your work, or keep working.'
    );
    expect(formatCullWarning(30, 'server', trans)).toContain(
      'stops itself in 1 minute:'
    );
    expect(formatJobEndWarning('1234', 9 * MINUTE, trans)).toBe(
      'Slurm job 1234 has been idle and ends in 9 minutes, as your settings ask: its resources go back to the queue.'
    );
  });
});

describe('IdleModel', () => {
  let client: FakeIdleClient;
  let notifier: ReturnType<typeof fakeNotifier>;
  let model: IdleModel;

  beforeEach(() => {
    client = new FakeIdleClient();
    notifier = fakeNotifier();
    model = new IdleModel({ client, notifier, auto: false });
  });

  afterEach(() => model.dispose());

  it('is visible once idle for the threshold, and hides when active', async () => {
    client.answer = idleState(4 * MINUTE);
    await model.refresh();
    expect(model.visible).toBe(false);
    client.answer = idleState(5 * MINUTE);
    await model.refresh();
    expect(model.visible).toBe(true);
    model.thresholdMinutes = 10;
    expect(model.visible).toBe(false);
    model.thresholdMinutes = 5;
    // the user acts: the server's idle time restarts
    client.answer = idleState(0);
    await model.reportActivity();
    expect(client.reportActivity).toHaveBeenCalledTimes(1);
    expect(model.visible).toBe(false);
  });

  it('notifies once before the culler, and withdraws it after activity', async () => {
    const cull = { cull_timeout_s: 3600, cull_source: 'environment' as const };
    client.answer = idleState(50 * MINUTE, { ...cull, culled_in_s: 600 });
    await model.refresh();
    expect(notifier.log).toEqual([]);
    client.answer = idleState(56 * MINUTE, { ...cull, culled_in_s: 240 });
    await model.refresh();
    client.answer = idleState(57 * MINUTE, { ...cull, culled_in_s: 180 });
    await model.refresh();
    expect(notifier.log).toEqual(['cull 240']);
    client.answer = idleState(0, { ...cull, culled_in_s: 3600 });
    await model.refresh();
    expect(notifier.log).toEqual(['cull 240', 'withdraw cull']);
    // without a known timeout: never
    client.answer = idleState(99 * MINUTE);
    await model.refresh();
    expect(notifier.log).toHaveLength(2);
  });

  it('warns before an idle job ends, only when the user opted in', async () => {
    const inJob = { job_id: '77', warn_s: 600 };
    client.answer = idleState(200 * MINUTE, {}, { ...inJob, enabled: false });
    await model.refresh();
    expect(notifier.log).toEqual([]);
    client.answer = idleState(
      52 * MINUTE,
      {},
      { ...inJob, enabled: true, after_s: 3600, ends_in_s: 480 }
    );
    await model.refresh();
    expect(notifier.log).toEqual(['job 480']);
    // "Keep my job": the clock restarts and the warning goes
    client.answer = idleState(
      0,
      {},
      { ...inJob, enabled: true, after_s: 3600, ends_in_s: 3600 }
    );
    await model.reportActivity();
    expect(notifier.log).toEqual(['job 480', 'withdraw job']);
  });
});

describe('IdleItem', () => {
  it('shows "Idle 25 min" with the last activity and the hub\'s rule', async () => {
    const client = new FakeIdleClient();
    const model = new IdleModel({
      client,
      notifier: fakeNotifier(),
      auto: false
    });
    const item = new IdleItem({ model, trans });
    client.answer = idleState(2 * MINUTE);
    await model.refresh();
    await rendered(item);
    expect(item.node.textContent).toBe('');
    client.answer = idleState(25 * MINUTE, {
      cull_timeout_s: 3600,
      cull_source: 'environment'
    });
    await model.refresh();
    await rendered(item);
    expect(item.node.textContent).toBe('Idle 25 min');
    const title = item.node.getAttribute('aria-label')!;
    expect(title).toContain('Last activity: ');
    expect(title).toContain('The hub stops idle servers after 1 h 00 min.');
    expect(item.node.title).toBe(title);
    expect(item.node.tabIndex).toBe(0);
    expect(item.node.getAttribute('role')).toBe('status');
    item.dispose();
    model.dispose();
  });
});

describe('ActivityTracker', () => {
  it('reports keys and clicks in the page at most once a minute', () => {
    let now = 1_000_000;
    const report = jest.fn(async () => undefined);
    const target = new EventTarget();
    const tracker = new ActivityTracker({ report, target, now: () => now });
    target.dispatchEvent(new Event('keydown'));
    target.dispatchEvent(new Event('pointerdown'));
    expect(report).toHaveBeenCalledTimes(1);
    now += REPORT_INTERVAL - 1;
    target.dispatchEvent(new Event('keydown'));
    expect(report).toHaveBeenCalledTimes(1);
    now += 1;
    target.dispatchEvent(new Event('pointerdown'));
    expect(report).toHaveBeenCalledTimes(2);
    // an explicit "Keep working" is never held back
    void tracker.reportNow();
    expect(report).toHaveBeenCalledTimes(3);
    tracker.dispose();
    now += 10 * REPORT_INTERVAL;
    target.dispatchEvent(new Event('keydown'));
    expect(report).toHaveBeenCalledTimes(3);
  });
});

describe('Notifier', () => {
  afterEach(() => Notification.manager.dismiss());

  it('shows "Keep working" before the culler, which reports activity', async () => {
    const keepWorking = jest.fn(async () => undefined);
    const notifier = new Notifier({ trans, keepWorking });
    notifier.showCull(
      idleState(56 * MINUTE, {
        cull_timeout_s: 3600,
        cull_source: 'environment',
        culled_in_s: 240
      })
    );
    const shown = Notification.manager.notifications;
    expect(shown).toHaveLength(1);
    expect(shown[0].type).toBe('warning');
    expect(shown[0].message).toContain('JupyterHub stops it in 4 minutes');
    const action = shown[0].options.actions![0];
    expect(action.label).toBe('Keep working');
    action.callback(new MouseEvent('click'));
    await waitFor(() => keepWorking.mock.calls.length === 1);
    notifier.withdrawCull();
    expect(Notification.manager.notifications).toHaveLength(0);
  });

  it('shows "Keep my job" before an idle job ends', () => {
    const keepWorking = jest.fn(async () => undefined);
    const notifier = new Notifier({ trans, keepWorking });
    notifier.showJobEnd(
      idleState(
        52 * MINUTE,
        {},
        { enabled: true, after_s: 3600, ends_in_s: 480, job_id: '77' }
      )
    );
    const [shown] = Notification.manager.notifications;
    expect(shown.message).toContain('Slurm job 77');
    expect(shown.options.actions![0].label).toBe('Keep my job');
    shown.options.actions![0].callback(new MouseEvent('click'));
    expect(keepWorking).toHaveBeenCalledTimes(1);
    notifier.withdrawJobEnd();
    expect(Notification.manager.notifications).toHaveLength(0);
  });
});

describe('followIdleSettings', () => {
  /** Settings of the idle plugin: `user` holds what the user chose. */
  class FakeSettings {
    changed = new Signal<FakeSettings, void>(this);
    user: Record<string, number> = {};
    get(key: string): { composite: number; user: number | undefined } {
      const defaults: Record<string, number> = {
        idleThresholdMinutes: 5,
        notifyBeforeCullMinutes: 5,
        endJobAfterIdleMinutes: 0
      };
      return {
        composite: this.user[key] ?? defaults[key],
        user: this.user[key]
      };
    }
  }

  afterEach(() => Notification.manager.dismiss());

  it("sends the user's choice of ending an idle job, on load and on change", async () => {
    const settings = new FakeSettings();
    settings.user = { idleThresholdMinutes: 2 };
    const registry = {
      load: async () => settings
    } as unknown as ISettingRegistry;
    const client = new FakeIdleClient();
    const model = new IdleModel({
      client,
      notifier: fakeNotifier(),
      auto: false
    });
    await followIdleSettings(registry, model, client, trans);
    // not chosen: the administrator's default stays on the server
    expect(client.setEndJob).not.toHaveBeenCalled();
    expect(model.thresholdMinutes).toBe(2);
    settings.user = { ...settings.user, endJobAfterIdleMinutes: 90 };
    settings.changed.emit();
    await waitFor(() => client.setEndJob.mock.calls.length === 1);
    expect(client.setEndJob).toHaveBeenLastCalledWith(90);
    // a choice the server refuses is said
    client.setEndJob.mockRejectedValueOnce(
      new Error('"after_minutes" must be between 10 and 10080 minutes')
    );
    settings.user = { ...settings.user, endJobAfterIdleMinutes: 3 };
    settings.changed.emit();
    await waitFor(() => Notification.manager.notifications.length === 1);
    expect(Notification.manager.notifications[0].message).toContain(
      'between 10 and 10080 minutes'
    );
    model.dispose();
  });
});

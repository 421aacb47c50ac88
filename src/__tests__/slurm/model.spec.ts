import { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { HPCRequestError } from '../../api/client';
import { ISlurmEvent, ISlurmJobs, SlurmScope } from '../../api/types';
import {
  END_WAIT,
  MIN_INTERVAL,
  SlurmQueueModel,
  acquireWhileVisible
} from '../../slurm/model';
import * as fakes from '../fakes';
import { flush, waitFor } from '../wait';

/** The error the server answers with the controller down and no data. */
const unavailable = () =>
  new HPCRequestError({
    status: 503,
    message:
      'squeue: error: Unable to contact slurm controller (connect failure)',
    url: 'http://localhost/jupyterlab-hpc/slurm/jobs'
  });

/** One event of the user's jobs. */
function event(seq: number, kind: ISlurmEvent['kind'] = 'completed') {
  return {
    seq,
    kind,
    id: `${1000 + seq}`,
    name: 'train',
    state: kind.toUpperCase(),
    exit_code: '0:0',
    time: `2026-11-23T09:${String(seq % 60).padStart(2, '0')}:00.000Z`
  };
}

/** The golden queue answer with other jobs and events. */
function answer(
  scope: SlurmScope,
  change: Partial<ISlurmJobs> = {}
): ISlurmJobs {
  return { ...fakes.slurmJobs(), scope, ...change };
}

/** Make the browser say the page is hidden (or visible again). */
function setPageHidden(hidden: boolean): void {
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => (hidden ? 'hidden' : 'visible')
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('SlurmQueueModel', () => {
  let client: fakes.FakeClient;
  let model: SlurmQueueModel;

  beforeEach(() => {
    client = new fakes.FakeClient();
  });

  afterEach(() => {
    model?.dispose();
    // Back to jsdom's own getter.
    delete (document as { visibilityState?: unknown }).visibilityState;
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it("polls once at start, then at the server's interval, while a panel holds it", async () => {
    jest.useFakeTimers();
    client.nextJobs = async scope => answer(scope, { poll_interval_s: 20 });

    model = new SlurmQueueModel({ client, standby: 'never' });
    const lease = model.acquire();
    await jest.advanceTimersByTimeAsync(100);

    expect(client.jobsCalls).toEqual(['mine']);
    expect(model.status).toBe('ready');
    expect(model.jobs.length).toBe(fakes.slurmJobs().jobs.length);
    expect(model.poll.frequency.interval).toBe(20000);

    await jest.advanceTimersByTimeAsync(20000);
    expect(client.jobsCalls).toHaveLength(2);
    // scheduled polls may share the browser's cached answer; an explicit refresh may not
    void model.refresh();
    await jest.advanceTimersByTimeAsync(100);
    expect(client.jobsFresh).toEqual([false, false, true]);
    lease.dispose();
  });

  it('never polls faster than every 5 s, whatever the server says', async () => {
    client.nextJobs = async scope => answer(scope, { poll_interval_s: 1 });
    model = new SlurmQueueModel({ client, standby: 'never', auto: false });
    model.acquire();

    await model.refresh();
    await waitFor(() => {
      expect(model.poll.frequency.interval).toBe(MIN_INTERVAL);
    });
  });

  it('asks nothing, ever, with no panel open and notifications off', async () => {
    jest.useFakeTimers();
    model = new SlurmQueueModel({ client, standby: 'never' });

    await jest.advanceTimersByTimeAsync(10 * 60 * 1000);

    expect(client.jobsCalls).toHaveLength(0);
    expect(model.status).toBe('loading');
  });

  it('asks nothing while the page is hidden, and catches up when it is shown', async () => {
    jest.useFakeTimers();
    model = new SlurmQueueModel({ client, watchEvents: true });
    model.acquire();
    await jest.advanceTimersByTimeAsync(100);
    expect(client.jobsCalls).toHaveLength(1);

    // Given the user switched to another tab for ten minutes
    setPageHidden(true);
    await jest.advanceTimersByTimeAsync(10 * 60 * 1000);
    expect(client.jobsCalls).toHaveLength(1);

    // When they come back, the list is read at once, not at the next tick
    setPageHidden(false);
    await jest.advanceTimersByTimeAsync(100);
    expect(client.jobsCalls).toHaveLength(2);
  });

  it('polls 4 times slower while the user has no pending or running job', async () => {
    jest.useFakeTimers();
    client.nextJobs = async scope => answer(scope, { jobs: [] });
    model = new SlurmQueueModel({ client, standby: 'never' });
    model.acquire();
    await jest.advanceTimersByTimeAsync(100);

    expect(model.hasActiveJobs).toBe(false);
    expect(model.demand).toBe('slow');
    expect(model.poll.frequency.interval).toBe(60 * 1000);
    await jest.advanceTimersByTimeAsync(10 * 60 * 1000);
    // 15 s would be 41 requests in these ten minutes
    expect(client.jobsCalls.length).toBeLessThanOrEqual(11);
    expect(client.jobsCalls.length).toBeGreaterThanOrEqual(10);
  });

  it('counts a held job as nothing to wait for', async () => {
    const held = fakes.slurmJobs().jobs.map(job => ({ ...job, held: true }));
    client.nextJobs = async scope => answer(scope, { jobs: held });
    model = new SlurmQueueModel({ client, standby: 'never', auto: false });

    await model.refresh();
    await waitFor(() => expect(model.hasActiveJobs).toBe(false));
  });

  describe('with no panel open, for the notifications', () => {
    it('looks once, then watches the running jobs slowly, for the user only', async () => {
      jest.useFakeTimers();
      model = new SlurmQueueModel({
        client,
        scope: 'all',
        standby: 'never',
        watchEvents: true
      });
      await jest.advanceTimersByTimeAsync(100);
      expect(model.hasActiveJobs).toBe(true);
      expect(model.demand).toBe('slow');

      await jest.advanceTimersByTimeAsync(10 * 60 * 1000);
      expect(client.jobsCalls.length).toBeGreaterThanOrEqual(10);
      expect(client.jobsCalls.length).toBeLessThanOrEqual(11);
      // The whole queue is for a panel to show; the watch needs the user's jobs.
      expect(new Set(client.jobsCalls)).toEqual(new Set(['mine']));
      expect(model.data).toBeNull();
    });

    it('stops asking once the user has no job left and each end is known', async () => {
      jest.useFakeTimers();
      model = new SlurmQueueModel({
        client,
        standby: 'never',
        watchEvents: true
      });
      await jest.advanceTimersByTimeAsync(100);
      expect(client.jobsCalls).toHaveLength(1);

      // The array's pending record has no end of its own: its tasks do.
      const ends = ['1237', '1235_3', '1241'].map((id, i) => ({
        ...event(43 + i, 'completed'),
        id
      }));
      client.nextJobs = async scope =>
        answer(scope, { jobs: [], events: ends, last_event: 45 });
      await jest.advanceTimersByTimeAsync(60 * 1000);
      expect(client.jobsCalls).toHaveLength(2);

      await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
      expect(client.jobsCalls).toHaveLength(2);
      expect(model.demand).toBe('none');
    });

    it('asks a few more times for the end of a job that left without one', async () => {
      jest.useFakeTimers();
      model = new SlurmQueueModel({
        client,
        standby: 'never',
        watchEvents: true
      });
      await jest.advanceTimersByTimeAsync(100);

      // sacct does not know yet how the jobs ended: no event comes with the empty list
      client.nextJobs = async scope => answer(scope, { jobs: [], events: [] });
      await jest.advanceTimersByTimeAsync(60 * 60 * 1000);

      expect(client.jobsCalls).toHaveLength(2 + END_WAIT);
      expect(model.demand).toBe('none');
    });

    it('does not retry a first look that failed', async () => {
      jest.useFakeTimers();
      client.nextJobs = () => Promise.reject(unavailable());
      model = new SlurmQueueModel({
        client,
        standby: 'never',
        watchEvents: true
      });

      await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
      expect(client.jobsCalls).toHaveLength(1);
    });

    it('learns of a job submitted from the editor through its refresh', async () => {
      jest.useFakeTimers();
      client.nextJobs = async scope => answer(scope, { jobs: [] });
      model = new SlurmQueueModel({
        client,
        standby: 'never',
        watchEvents: true
      });
      await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
      expect(client.jobsCalls).toHaveLength(1);

      client.nextJobs = async scope => answer(scope);
      void model.refresh();
      await jest.advanceTimersByTimeAsync(100);
      expect(client.jobsCalls).toHaveLength(2);
      expect(model.demand).toBe('slow');
      await jest.advanceTimersByTimeAsync(60 * 1000);
      expect(client.jobsCalls).toHaveLength(3);
    });

    it('stops watching when the notifications are turned off', async () => {
      jest.useFakeTimers();
      model = new SlurmQueueModel({
        client,
        standby: 'never',
        watchEvents: true
      });
      await jest.advanceTimersByTimeAsync(100);
      expect(client.jobsCalls).toHaveLength(1);

      model.watchEvents = false;
      await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
      expect(client.jobsCalls).toHaveLength(1);
    });
  });

  describe('events', () => {
    it('does not replay on the first answer the events from before the page', async () => {
      const received: ISlurmEvent[][] = [];
      model = new SlurmQueueModel({ client, standby: 'never', auto: false });
      model.eventsReceived.connect((_, events) => received.push([...events]));

      await model.refresh();
      await waitFor(() => expect(model.lastEvent).toBe(42));

      expect(client.jobsEventsAfter).toEqual([undefined]);
      expect(received).toEqual([]);
    });

    it('asks for the events after the last one seen, and emits each once', async () => {
      const received: ISlurmEvent[][] = [];
      model = new SlurmQueueModel({ client, standby: 'never', auto: false });
      model.eventsReceived.connect((_, events) => received.push([...events]));
      await model.refresh();
      await waitFor(() => expect(model.lastEvent).toBe(42));

      const news = [event(43, 'out_of_memory'), event(44, 'started')];
      client.nextJobs = async scope =>
        answer(scope, { events: news, last_event: 44 });
      await model.refresh();
      await waitFor(() => expect(received).toEqual([news]));
      expect(client.jobsEventsAfter).toEqual([undefined, 42]);

      // An answer that still carries them (two requests were in flight) adds none
      await model.refresh();
      await waitFor(() =>
        expect(client.jobsEventsAfter).toEqual([undefined, 42, 44])
      );
      await flush();
      expect(received).toHaveLength(1);
    });

    it("starts over from the server's count after a server restart", async () => {
      const received: ISlurmEvent[][] = [];
      model = new SlurmQueueModel({ client, standby: 'never', auto: false });
      model.eventsReceived.connect((_, events) => received.push([...events]));
      await model.refresh();
      await waitFor(() => expect(model.lastEvent).toBe(42));

      client.nextJobs = async scope =>
        answer(scope, { events: [], last_event: 2 });
      await model.refresh();
      await waitFor(() => expect(model.lastEvent).toBe(2));

      client.nextJobs = async scope =>
        answer(scope, { events: [event(3, 'failed')], last_event: 3 });
      await model.refresh();
      await waitFor(() => expect(received).toHaveLength(1));
      expect(received[0][0].seq).toBe(3);
      expect(client.jobsEventsAfter).toEqual([undefined, 42, 2]);
    });
  });

  it("reports the server's stale data with its error text", async () => {
    const stale: ISlurmJobs = {
      ...fakes.slurmJobs(),
      stale: true,
      error: 'squeue: error: Unable to contact slurm controller'
    };
    client.nextJobs = async () => stale;
    model = new SlurmQueueModel({ client, standby: 'never', auto: false });

    await model.refresh();
    await waitFor(() => {
      expect(model.status).toBe('ready');
      expect(model.stale).toBe(true);
      expect(model.staleMessage).toBe(
        'squeue: error: Unable to contact slurm controller'
      );
      expect(model.fetchedAt?.toISOString()).toBe(stale.fetched_at);
    });
  });

  it('keeps the last jobs, marked stale, when a later request fails', async () => {
    model = new SlurmQueueModel({ client, standby: 'never', auto: false });
    await model.refresh();
    await flush();

    client.nextJobs = () => Promise.reject(new Error('offline'));
    await model.refresh();
    await waitFor(() => {
      expect(model.status).toBe('ready');
      expect(model.jobs.length).toBe(fakes.slurmJobs().jobs.length);
      expect(model.stale).toBe(true);
      expect(model.staleMessage).toBe('offline');
    });
  });

  it('is in error, with no jobs, when the first answer is a 503', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999999);
    jest.useFakeTimers();
    const calls: number[] = [];
    client.nextJobs = () => {
      calls.push(Date.now());
      return Promise.reject(unavailable());
    };

    model = new SlurmQueueModel({ client, standby: 'never' });
    model.acquire();
    await jest.advanceTimersByTimeAsync(100);

    expect(model.status).toBe('error');
    expect(model.error?.message).toMatch(/Unable to contact slurm controller/);
    expect(model.jobs).toHaveLength(0);
    expect(model.data).toBeNull();

    // And it backs off instead of asking every 15 s (40 times in 10 min)
    await jest.advanceTimersByTimeAsync(10 * 60 * 1000);
    expect(calls.length).toBeLessThan(20);
    const last = calls[calls.length - 1] - calls[calls.length - 2];
    expect(last).toBeGreaterThan(60 * 1000);
  });

  it('forgets the jobs of one scope when switching to the other', async () => {
    model = new SlurmQueueModel({ client, standby: 'never', auto: false });
    model.acquire();
    await model.refresh();
    await flush();
    let answer: (jobs: ISlurmJobs) => void = () => undefined;
    client.nextJobs = () => new Promise(resolve => (answer = resolve));

    model.scope = 'all';
    await waitFor(() => {
      expect(model.status).toBe('loading');
      expect(model.jobs).toHaveLength(0);
      expect(client.jobsCalls).toEqual(['mine', 'all']);
    });

    answer({ ...fakes.slurmJobs(), scope: 'all' });
    await waitFor(() => {
      expect(model.status).toBe('ready');
    });
  });

  it('drops a late answer for the scope the user left', async () => {
    let answer: (jobs: ISlurmJobs) => void = () => undefined;
    client.nextJobs = () => new Promise(resolve => (answer = resolve));
    model = new SlurmQueueModel({ client, standby: 'never', auto: false });
    model.acquire();
    void model.refresh();
    await flush();
    const first = answer;

    model.scope = 'all';
    await flush();
    first({ ...fakes.slurmJobs(), scope: 'mine' });
    await waitFor(() => {
      expect(model.data).toBeNull();
    });
  });
});

describe('acquireWhileVisible', () => {
  let model: SlurmQueueModel;
  let widget: Widget;
  let following: IDisposable;

  beforeEach(() => {
    model = new SlurmQueueModel({
      client: new fakes.FakeClient(),
      standby: 'never',
      auto: false
    });
    widget = new Widget();
    following = acquireWhileVisible(model, widget);
  });

  afterEach(() => {
    following.dispose();
    widget.dispose();
    model.dispose();
  });

  it('holds the model exactly while the widget is visible', async () => {
    expect(model.consumers).toBe(0);

    Widget.attach(widget, document.body);
    await waitFor(() => expect(model.consumers).toBe(1));

    widget.hide();
    await waitFor(() => expect(model.consumers).toBe(0));

    widget.show();
    await waitFor(() => expect(model.consumers).toBe(1));

    following.dispose();
    expect(model.consumers).toBe(0);
  });
});

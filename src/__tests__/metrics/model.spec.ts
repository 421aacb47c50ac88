import { MAX_BACKOFF, MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { waitFor } from '../wait';

/** Resolve after the promise queue has drained. */

describe('MetricsModel', () => {
  let client: fakes.FakeClient;
  let model: MetricsModel;

  beforeEach(() => {
    client = new fakes.FakeClient();
  });

  afterEach(() => {
    model?.dispose();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('fetches a snapshot at start and signals it', async () => {
    model = new MetricsModel({ client, standby: 'never' });
    const changed = jest.fn();
    model.changed.connect(changed);

    await new Promise(resolve => model.changed.connect(resolve));

    expect(client.metricsCalls).toBe(1);
    expect(model.metrics?.memory.used_bytes).toBe(1288490188);
    expect(model.error).toBeNull();
    expect(changed).toHaveBeenCalled();
  });

  it('rejects on errors so that the poll backs off', async () => {
    // Lumino draws each backoff at random up to e times the last: take the top.
    jest.spyOn(Math, 'random').mockReturnValue(0.999999);
    jest.useFakeTimers();
    const calls: number[] = [];
    client.next = () => {
      calls.push(Date.now());
      return Promise.reject(new Error('502 Bad Gateway'));
    };

    // Given a server that fails every time, polled every second
    model = new MetricsModel({ client, interval: 1000, standby: 'never' });
    await jest.advanceTimersByTimeAsync(120 * 1000);

    // Then the model reports the error, and the gaps between attempts grow
    expect(model.error?.message).toBe('502 Bad Gateway');
    expect(model.poll.state.phase).toBe('rejected');
    const gaps = calls.slice(1).map((time, i) => time - calls[i]);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    gaps.slice(1).forEach((gap, i) => expect(gap).toBeGreaterThan(gaps[i]));
    expect(Math.max(...gaps)).toBeGreaterThan(10 * 1000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_BACKOFF);
    // (a poll that resolved on errors would have made 120 attempts)
    expect(calls.length).toBeLessThan(30);
  });

  it('keeps the last snapshot, marked stale, when a later poll fails', async () => {
    model = new MetricsModel({ client, standby: 'never', auto: false });
    await model.refresh();
    await waitFor(() => {
      expect(model.metrics).not.toBeNull();
    });

    client.next = () => Promise.reject(new Error('offline'));
    await model.refresh();
    await waitFor(() => {
      expect(model.metrics?.memory.limit_bytes).toBe(5368709120);
      expect(model.stale).toBe(true);
    });
  });

  it('stops polling when disposed', async () => {
    jest.useFakeTimers();
    model = new MetricsModel({ client, interval: 1000, standby: 'never' });
    await jest.advanceTimersByTimeAsync(3500);
    const before = client.metricsCalls;
    expect(before).toBeGreaterThanOrEqual(3);

    model.dispose();
    await jest.advanceTimersByTimeAsync(10000);

    expect(model.isDisposed).toBe(true);
    expect(model.poll.isDisposed).toBe(true);
    expect(client.metricsCalls).toBe(before);
  });

  it('stands by while the page is hidden, and resumes when shown', async () => {
    jest.useFakeTimers();
    let state: DocumentVisibilityState = 'visible';
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => state
    });
    const setVisibility = (value: DocumentVisibilityState) => {
      state = value;
      document.dispatchEvent(new Event('visibilitychange'));
    };
    try {
      // Given a visible page polling every second (default standby policy)
      model = new MetricsModel({ client, interval: 1000 });
      await jest.advanceTimersByTimeAsync(2500);
      expect(client.metricsCalls).toBeGreaterThanOrEqual(2);

      // When the page is hidden, polling stops after at most one lingering poll
      setVisibility('hidden');
      const whenHidden = client.metricsCalls;
      await jest.advanceTimersByTimeAsync(10000);
      expect(client.metricsCalls).toBeLessThanOrEqual(whenHidden + 1);

      // And when it is shown again, polling resumes
      const whileHidden = client.metricsCalls;
      setVisibility('visible');
      await jest.advanceTimersByTimeAsync(3000);
      expect(client.metricsCalls).toBeGreaterThanOrEqual(whileHidden + 2);
    } finally {
      setVisibility('visible');
      delete (document as { visibilityState?: string }).visibilityState;
    }
  });

  it('never polls faster than once a second', () => {
    model = new MetricsModel({ client, interval: 10, auto: false });
    expect(model.interval).toBe(1000);
    model.interval = 7000;
    expect(model.interval).toBe(7000);
    model.interval = Number.NaN;
    expect(model.interval).toBe(5000);
  });
});

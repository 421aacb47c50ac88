import { MAX_BACKOFF, MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';

/** Resolve after the promise queue has drained. */
const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('MetricsModel', () => {
  let client: fakes.FakeClient;
  let model: MetricsModel;

  beforeEach(() => {
    client = new fakes.FakeClient();
  });

  afterEach(() => {
    model?.dispose();
    jest.useRealTimers();
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
    // Given a server that fails every time
    client.next = () => Promise.reject(new Error('502 Bad Gateway'));
    model = new MetricsModel({
      client,
      interval: 1000,
      standby: 'never',
      auto: false
    });

    // When the poll runs twice
    await model.refresh();
    await flush();
    const first = model.poll.state;
    await model.poll.tick;
    await flush();

    // Then each tick is a rejection and the interval grows past the base
    expect(first.phase).toBe('rejected');
    expect(model.error?.message).toBe('502 Bad Gateway');
    expect(model.stale).toBe(false);
    expect(model.poll.state.interval).toBeGreaterThan(1000);
    expect(model.poll.state.interval).toBeLessThanOrEqual(MAX_BACKOFF);
  });

  it('keeps the last snapshot, marked stale, when a later poll fails', async () => {
    model = new MetricsModel({ client, standby: 'never', auto: false });
    await model.refresh();
    await flush();
    expect(model.metrics).not.toBeNull();

    client.next = () => Promise.reject(new Error('offline'));
    await model.refresh();
    await flush();

    expect(model.metrics?.memory.limit_bytes).toBe(5368709120);
    expect(model.stale).toBe(true);
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

  it('never polls faster than once a second', () => {
    model = new MetricsModel({ client, interval: 10, auto: false });
    expect(model.interval).toBe(1000);
    model.interval = 7000;
    expect(model.interval).toBe(7000);
    model.interval = Number.NaN;
    expect(model.interval).toBe(5000);
  });
});

import { HPCRequestError } from '../../api/client';
import { ISlurmJobs } from '../../api/types';
import { MIN_INTERVAL, SlurmQueueModel } from '../../slurm/model';
import * as fakes from '../fakes';
import { flush, waitFor } from '../wait';

/** Resolve after the promise queue has drained. */

/** Resolve after a poll tick scheduled "now" (an animation frame) has run. */

/** The error the server answers with the controller down and no data. */
const unavailable = () =>
  new HPCRequestError({
    status: 503,
    message:
      'squeue: error: Unable to contact slurm controller (connect failure)',
    url: 'http://localhost/jupyterlab-hpc/slurm/jobs'
  });

describe('SlurmQueueModel', () => {
  let client: fakes.FakeClient;
  let model: SlurmQueueModel;

  beforeEach(() => {
    client = new fakes.FakeClient();
  });

  afterEach(() => {
    model?.dispose();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it("polls once at start, then at the server's interval", async () => {
    jest.useFakeTimers();
    client.nextJobs = async scope => ({
      ...fakes.slurmJobs(),
      scope,
      poll_interval_s: 20
    });

    model = new SlurmQueueModel({ client, standby: 'never' });
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
  });

  it('never polls faster than every 5 s, whatever the server says', async () => {
    client.nextJobs = async () => ({
      ...fakes.slurmJobs(),
      poll_interval_s: 1
    });
    model = new SlurmQueueModel({ client, standby: 'never', auto: false });

    await model.refresh();
    await waitFor(() => {
      expect(model.poll.frequency.interval).toBe(MIN_INTERVAL);
    });
  });

  it('makes no request while it stands by (panel closed)', async () => {
    jest.useFakeTimers();
    model = new SlurmQueueModel({ client, standby: () => true });

    await jest.advanceTimersByTimeAsync(120 * 1000);

    expect(client.jobsCalls).toHaveLength(0);
    expect(model.status).toBe('loading');
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

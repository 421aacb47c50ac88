import { HPCClient, HPCRequestError } from '../../api/client';
import * as fakes from '../fakes';

const BASE = 'http://localhost:8888/user/alice/lab%201/jupyterlab-hpc/';

describe('HPCClient (Slurm)', () => {
  it('asks for the queue of a scope and returns it as sent', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.slurmJobs())
    );
    const client = new HPCClient({ serverSettings: settings });

    const answer = await client.slurmJobs('all');

    expect(calls[0].url).toMatch(
      new RegExp(`^${BASE}slurm/jobs\\?scope=all(&\\d+)?$`)
    );
    expect(calls[0].init.method).toBe('GET');
    expect(answer.jobs.length).toBe(fakes.slurmJobs().jobs.length);
  });

  it('shares cached answers between tabs, except when asked for fresh data', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.slurmJobs())
    );
    const client = new HPCClient({ serverSettings: settings });

    await client.slurmJobs('mine');
    await client.slurmJobs('mine', { fresh: true });

    expect(calls.map(call => call.init.cache)).toEqual(['default', 'no-cache']);
  });

  it('posts a script path as JSON and returns the new job', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.slurmSubmit(), 201)
    );
    const client = new HPCClient({ serverSettings: settings });

    const result = await client.submitJob({ path: 'dir with space/job.sh' });

    expect(calls[0].url).toBe(`${BASE}slurm/jobs`);
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(calls[0].init.body as string)).toEqual({
      path: 'dir with space/job.sh'
    });
    expect(result).toEqual(fakes.slurmSubmit());
  });

  it("gives sbatch's stderr verbatim when the submission is refused", async () => {
    const stderr =
      'sbatch: error: invalid partition specified: nopart\nsbatch: error: Batch job submission failed: Invalid partition name specified';
    const { settings } = fakes.fakeSettings(() =>
      fakes.json({ message: stderr }, 400)
    );
    const client = new HPCClient({ serverSettings: settings });

    const error = await client
      .submitJob({ script: '#!/bin/bash\n', cwd: '' })
      .catch(e => e);

    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.status).toBe(400);
    expect(error.message).toBe(stderr);
  });

  it('cancels, holds and releases by id, accepting an empty 204', async () => {
    const { settings, calls } = fakes.fakeSettings(() => fakes.text('', 204));
    const client = new HPCClient({ serverSettings: settings });

    await expect(client.cancelJob('1236_2')).resolves.toBeUndefined();
    await client.holdJob('1237');
    await client.releaseJob('1239+0');

    expect(calls.map(call => [call.init.method, call.url])).toEqual([
      ['DELETE', `${BASE}slurm/jobs/1236_2`],
      ['POST', `${BASE}slurm/jobs/1237/hold`],
      ['POST', `${BASE}slurm/jobs/1239%2B0/release`]
    ]);
  });

  it('reads the details of a job and the history of some days', async () => {
    const { settings, calls } = fakes.fakeSettings(url =>
      fakes.json(
        url.includes('history') ? fakes.slurmHistory() : fakes.slurmJob()
      )
    );
    const client = new HPCClient({ serverSettings: settings });

    const details = await client.jobDetails('1234');
    const history = await client.slurmHistory(3);

    expect(calls[0].url).toMatch(new RegExp(`^${BASE}slurm/jobs/1234`));
    expect(calls[1].url).toMatch(new RegExp(`^${BASE}slurm/history\\?days=3`));
    expect(Object.keys(details.fields).length).toBeGreaterThan(0);
    expect(typeof history.available).toBe('boolean');
  });

  it('shares one info request between callers that ask at once', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.info())
    );
    const client = new HPCClient({ serverSettings: settings });

    const [a, b] = await Promise.all([client.info(), client.info()]);
    await client.info();

    expect(a).toBe(b);
    expect(calls).toHaveLength(2);
  });
});

import { StateDB } from '@jupyterlab/statedb';

import { LaunchMemory, looksSecret } from '../../apps/memory';

describe('LaunchMemory', () => {
  it("remembers each endpoint's values, but not the values of secrets", async () => {
    const state = new StateDB();
    await new LaunchMemory({ state }).save('mlflow', 1, {
      args: '--port 0',
      env: [
        { name: 'MLRUNS_DIR', value: '$WORK/mlflow' },
        { name: 'MLFLOW_TRACKING_TOKEN', value: 'abc123' },
        { name: 'DB_PASSWORD', value: 'hunter2' }
      ],
      modules: []
    });

    // after a reload: a new memory over the same database
    const memory = await new LaunchMemory({ state }).load('mlflow');

    expect(memory.last).toBe(1);
    expect(memory.endpoints['1']).toEqual({
      args: '--port 0',
      env: [
        { name: 'MLRUNS_DIR', value: '$WORK/mlflow' },
        { name: 'MLFLOW_TRACKING_TOKEN', value: '' },
        { name: 'DB_PASSWORD', value: '' }
      ],
      modules: []
    });
    expect(JSON.stringify(await state.toJSON())).not.toMatch(/abc123|hunter2/);
  });

  it('remembers the module versions chosen, and reads launches remembered before modules', async () => {
    const state = new StateDB();
    // A launch saved by a version without modules
    await state.save('jupyterlab-hpc:apps:tensorboard', {
      last: 0,
      endpoints: { '0': { args: '--logdir runs', env: [] } }
    });
    const memory = new LaunchMemory({ state });

    expect((await memory.load('tensorboard')).endpoints['0']).toEqual({
      args: '--logdir runs',
      env: [],
      modules: []
    });

    await memory.save('tensorboard', 1, {
      args: '',
      env: [],
      modules: ['tensorboard/2.17']
    });
    const reloaded = await new LaunchMemory({ state }).load('tensorboard');
    expect(reloaded.endpoints['1'].modules).toEqual(['tensorboard/2.17']);
  });

  it('tells secret names from ordinary ones', () => {
    expect(
      ['HF_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'api_key', 'PGPASSWORD'].map(
        looksSecret
      )
    ).toEqual([true, true, true, true]);
    expect(
      ['MLRUNS_DIR', 'OMP_NUM_THREADS', 'TF_CPP_MIN_LOG_LEVEL'].map(looksSecret)
    ).toEqual([false, false, false]);
  });
});

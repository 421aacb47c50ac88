import { HPCRequestError } from '../../api/client';
import { IHistory, IMetrics } from '../../api/types';
import { HistoryModel } from '../../history/model';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { flush, waitFor } from '../wait';

/** A metrics snapshot taken at `time` with these readings. */
function snapshot(
  time: string,
  cpu: number | null,
  gpu: number | null,
  co2: number | null
): IMetrics {
  const answer = fakes.metrics();
  answer.time = time;
  answer.cpu_power.watts = cpu;
  answer.gpu_power.watts = gpu;
  answer.emissions.co2_g = co2;
  return answer;
}

/** A history of samples 5 s apart from 09:00, with these CPU watts. */
function samples(...cpu: (number | null)[]): IHistory {
  return {
    samples: cpu.map((watts, i) => ({
      time: new Date(Date.UTC(2026, 10, 23, 9, 0, 5 * i)).toISOString(),
      memory_used_bytes: null,
      cpu_watts: watts,
      gpu_watts: null,
      co2_g: 10 + i
    }))
  };
}

describe('HistoryModel', () => {
  let client: fakes.FakeClient;
  let metrics: MetricsModel;
  let model: HistoryModel;

  /** Let the metrics poll answer `answer`. */
  async function poll(answer: IMetrics) {
    client.next = async () => answer;
    await metrics.refresh();
    await flush();
  }

  beforeEach(() => {
    client = new fakes.FakeClient();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
  });

  afterEach(() => {
    model?.dispose();
    metrics.dispose();
  });

  it('loads the whole history once, then adds one point per new snapshot without asking the server again', async () => {
    const history = jest.spyOn(client, 'history');
    model = new HistoryModel({ client, metrics });

    await model.load();
    const golden = fakes.history().samples;
    expect(history).toHaveBeenCalledTimes(1);
    expect(history).toHaveBeenCalledWith();
    expect(model.loaded).toBe(true);
    expect(model.points).toHaveLength(golden.length);
    expect(model.points[0]).toEqual({
      time: Date.parse(golden[0].time),
      cpu: golden[0].cpu_watts,
      gpu: golden[0].gpu_watts,
      co2: golden[0].co2_g,
      cores: null,
      coresLimit: 8,
      memory: golden[0].memory_used_bytes,
      memoryLimit: golden[0].memory_limit_bytes,
      gpuUtil: 55,
      gpuMemory: golden[0].gpu_memory_used_bytes
    });
    expect(model.points[1]).toMatchObject({ cores: 3.2, gpuUtil: 61.5 });

    await poll(snapshot('2026-11-23T09:00:10.000Z', 50, 400.5, 12.4));

    expect(model.points).toHaveLength(golden.length + 1);
    expect(model.points[model.points.length - 1]).toEqual({
      time: Date.parse('2026-11-23T09:00:10.000Z'),
      cpu: 50,
      gpu: 400.5,
      co2: 12.4,
      cores: 3.2,
      coresLimit: 8,
      memory: 1288490188,
      memoryLimit: 5368709120,
      // GPUs 1 and 2 of the golden snapshot: 97 % and 12 % busy.
      gpuUtil: 54.5,
      gpuMemory: 64208502784 + 2147483648
    });
    expect(history).toHaveBeenCalledTimes(1);
    expect(client.metricsCalls).toBe(1);
  });

  it('ignores a snapshot no newer than its last point, as after a failed poll', async () => {
    client.history = async () => samples(40, 41);
    model = new HistoryModel({ client, metrics });
    await model.load();
    const changed = jest.fn();
    model.stateChanged.connect(changed);

    // The last sample of the history, then an older one.
    await poll(snapshot('2026-11-23T09:00:05.000Z', 99, null, 11));
    await poll(snapshot('2026-11-23T09:00:01.000Z', 99, null, 11));
    client.next = () => Promise.reject(new Error('server went away'));
    await metrics.refresh();
    await waitFor(() => {
      expect(metrics.error).not.toBeNull();
    });

    expect(model.points.map(point => point.cpu)).toEqual([40, 41]);
    expect(changed).not.toHaveBeenCalled();
  });

  it('keeps the snapshots that arrive while the history loads', async () => {
    let answer: (history: IHistory) => void = () => undefined;
    client.history = () => new Promise(resolve => (answer = resolve));
    model = new HistoryModel({ client, metrics });
    const loading = model.load();
    expect(model.loading).toBe(true);

    await poll(snapshot('2026-11-23T09:00:05.000Z', 41, null, 11));
    await poll(snapshot('2026-11-23T09:00:10.000Z', 42, null, 12));
    answer(samples(40, 41));
    await loading;

    expect(model.loading).toBe(false);
    expect(model.points.map(point => point.cpu)).toEqual([40, 41, 42]);
  });

  it('starts from the snapshot the page already has', async () => {
    await poll(snapshot('2026-11-23T09:00:00.000Z', 7, 8, 9));

    model = new HistoryModel({ client, metrics });

    expect(model.points).toHaveLength(1);
    expect(model.points[0].gpu).toBe(8);
  });

  it('records nothing for a section the server could not measure', async () => {
    model = new HistoryModel({ client, metrics });
    const answer = snapshot('2026-11-23T10:00:00.000Z', 30, 250, 5);
    answer.gpu_power.available = false;
    answer.emissions.available = false;

    await poll(answer);

    expect(model.points[0]).toMatchObject({ cpu: 30, gpu: null, co2: null });
  });

  it('records no use of a section the server could not read, and says why', async () => {
    model = new HistoryModel({ client, metrics });
    const answer = snapshot('2026-11-23T10:00:00.000Z', 30, null, 5);
    answer.gpu_power = {
      available: false,
      watts: null,
      limit_watts: null,
      devices: [],
      reason: 'No GPU is visible to this job.'
    };
    answer.memory.available = false;
    // A server older than the CPU section.
    delete answer.cpu;

    await poll(answer);

    expect(model.points[0]).toMatchObject({
      cpu: 30,
      cores: null,
      coresLimit: null,
      memory: null,
      memoryLimit: null,
      gpuUtil: null,
      gpuMemory: null
    });
    expect(model.reason('gpuUtil')).toBe('No GPU is visible to this job.');
    expect(model.reason('gpuMemory')).toBe('No GPU is visible to this job.');
    expect(model.reason('cpu')).toBeNull();
  });

  it('leaves out a GPU whose utilisation or memory reads nothing', async () => {
    model = new HistoryModel({ client, metrics });
    const answer = snapshot('2026-11-23T10:00:00.000Z', 30, 500, 5);
    answer.gpu_power.devices[1].utilization_percent = null;
    answer.gpu_power.devices[0].memory_used_bytes = null;

    await poll(answer);

    expect(model.points[0]).toMatchObject({
      gpuUtil: 97,
      gpuMemory: 2147483648
    });
  });

  it('keeps at most maxPoints, dropping the oldest', async () => {
    client.history = async () => samples(1, 2, 3, 4);
    model = new HistoryModel({ client, metrics, maxPoints: 3 });
    await model.load();
    expect(model.points.map(point => point.cpu)).toEqual([2, 3, 4]);

    await poll(snapshot('2026-11-23T09:01:00.000Z', 5, null, 20));

    expect(model.points.map(point => point.cpu)).toEqual([3, 4, 5]);
  });

  it('keeps the error of a failed load, and loads on retry', async () => {
    const error = new HPCRequestError({
      status: 503,
      message: 'The sampler is not running.',
      url: 'http://localhost/jupyterlab-hpc/metrics/history'
    });
    const history = jest
      .spyOn(client, 'history')
      .mockRejectedValueOnce(error)
      .mockResolvedValueOnce(samples(40, 41, 42));
    model = new HistoryModel({ client, metrics });

    await model.load();
    expect(model.error).toBe(error);
    expect(model.loaded).toBe(false);
    expect(model.loading).toBe(false);

    const retry = model.load();
    expect(model.error).toBeNull();
    expect(model.load()).toBe(retry);
    await retry;

    expect(history).toHaveBeenCalledTimes(2);
    expect(model.error).toBeNull();
    expect(model.loaded).toBe(true);
    expect(model.points).toHaveLength(3);
  });

  it('stops following the metrics once disposed', async () => {
    model = new HistoryModel({ client, metrics });
    model.dispose();

    await poll(snapshot('2026-11-23T11:00:00.000Z', 1, 2, 3));

    expect(model.isDisposed).toBe(true);
    expect(model.points).toHaveLength(0);
  });
});

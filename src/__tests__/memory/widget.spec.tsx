import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { formatUsage } from '../../memory/format';
import { MemoryMeterModel } from '../../memory/model';
import { MemoryMeter } from '../../memory/widget';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { flush, rendered, waitFor } from '../wait';

const GiB = 1024 ** 3;

describe('formatUsage', () => {
  it('writes used and limit in the limit unit', () => {
    expect(formatUsage(1.2 * GiB, 5 * GiB)).toBe('1.2 / 5.0 GB');
    expect(formatUsage(300 * 1024 ** 2, 512 * 1024 ** 2)).toBe('300 / 512 MB');
    expect(formatUsage(40 * GiB, 256 * GiB)).toBe('40 / 256 GB');
    expect(formatUsage(2 * GiB, null)).toBe('2.0 GB');
  });
});

describe('MemoryMeter', () => {
  let client: fakes.FakeClient;
  let metrics: MetricsModel;
  let model: MemoryMeterModel;
  let meter: MemoryMeter;

  /** Show the meter with the metrics the fake server answers. */
  async function show(
    memory: Partial<ReturnType<typeof fakes.metrics>['memory']>
  ) {
    const answer = fakes.metrics();
    answer.memory = { ...answer.memory, ...memory };
    client.next = async () => answer;
    await metrics.refresh();
    await flush();
    await rendered(meter);
  }

  beforeEach(() => {
    client = new fakes.FakeClient();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
    model = new MemoryMeterModel({ metrics });
    meter = new MemoryMeter({
      model,
      trans: nullTranslator.load('jupyterlab_hpc')
    });
    Widget.attach(meter, document.body);
  });

  afterEach(() => {
    meter.dispose();
    model.dispose();
    metrics.dispose();
  });

  it('shows used against the limit, with the limit source in its tooltip', async () => {
    await show({ used_bytes: 1.2 * GiB, limit_bytes: 5 * GiB });

    expect(model.available).toBe(true);
    expect(meter.node.textContent).toBe('Mem1.2 / 5.0 GB');
    expect(meter.node.title).toContain('Memory used: 1.2 GB of 5.0 GB (24%)');
    expect(meter.node.title).toContain("the job's memory cgroup");
    expect(meter.node.classList.contains('jp-mod-warn')).toBe(false);
  });

  it('turns to its warning style above the threshold', async () => {
    await show({ used_bytes: 4.5 * GiB, limit_bytes: 5 * GiB });

    expect(meter.node.classList.contains('jp-mod-warn')).toBe(true);
    expect(meter.node.title).toContain('Above 80% of the limit');
  });

  it('follows a changed threshold', async () => {
    await show({ used_bytes: 3 * GiB, limit_bytes: 5 * GiB });
    expect(meter.node.classList.contains('jp-mod-warn')).toBe(false);

    model.warnFraction = 0.5;
    meter.update();
    await waitFor(() => {
      expect(meter.node.classList.contains('jp-mod-warn')).toBe(true);
    });
  });

  it('says when the limit is only the node RAM', async () => {
    await show({ limit_source: 'host', limit_detail: 'host RAM' });
    expect(meter.node.title).toContain('all the RAM of this node');
  });

  it('is unavailable, and renders nothing, when memory cannot be read', async () => {
    await show({
      available: false,
      used_bytes: null,
      limit_bytes: null,
      reason: 'psutil failed'
    });

    expect(model.available).toBe(false);
    expect(meter.node.textContent).toBe('');
  });

  it('is unavailable when the server extension never answered', async () => {
    client.next = () => Promise.reject(new Error('404 Not Found'));
    await metrics.refresh();
    await waitFor(() => {
      expect(model.available).toBe(false);
    });
  });

  it('signals the status bar when availability changes', async () => {
    const changed = jest.fn();
    model.stateChanged.connect(changed);

    await show({});

    expect(changed).toHaveBeenCalled();
  });

  it('marks a reading stale when a later poll fails', async () => {
    await show({});
    client.next = () => Promise.reject(new Error('server went away'));
    await metrics.refresh();
    await flush();
    meter.update();
    await waitFor(() => {
      expect(meter.node.classList.contains('jp-mod-stale')).toBe(true);
      expect(meter.node.title).toContain('server went away');
      expect(meter.node.textContent).toContain('GB');
    });
  });
});

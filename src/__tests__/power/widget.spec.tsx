import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ICpuPowerReading, IGpuPowerReading, IMetrics } from '../../api/types';
import { MetricsModel } from '../../metrics/model';
import { formatPower, formatWatts } from '../../power/format';
import { PowerMeterModel } from '../../power/model';
import { CpuPowerMeter, GpuPowerMeter } from '../../power/widget';
import * as fakes from '../fakes';
import { flush, rendered } from '../wait';

const trans = nullTranslator.load('jupyterlab_hpc');

describe('formatPower', () => {
  it('writes watts against the limit as a meter reads', () => {
    expect(formatPower(45, 120)).toBe('45 / 120 W');
    expect(formatPower(7.46, 120)).toBe('7.5 / 120 W');
    expect(formatPower(513.87, 1350)).toBe('514 / 1350 W');
    expect(formatPower(45, null)).toBe('45 W');
    expect(formatPower(2400, 11200)).toBe('2.4 / 11 kW');
    expect(formatWatts(0.2)).toBe('0.2 W');
  });
});

describe('power meters', () => {
  let client: fakes.FakeClient;
  let metrics: MetricsModel;
  const disposables: { dispose(): void }[] = [];

  /** Poll once, answering `change(golden metrics)`. */
  async function answer(change: (m: IMetrics) => void) {
    const snapshot = fakes.metrics();
    change(snapshot);
    client.next = async () => snapshot;
    await metrics.refresh();
    await flush();
  }

  /** A meter of `section`, attached, with its model. */
  function meter(section: 'cpu_power' | 'gpu_power', onActivate?: () => void) {
    const model = new PowerMeterModel<ICpuPowerReading & IGpuPowerReading>({
      metrics,
      section
    });
    const widget =
      section === 'cpu_power'
        ? new CpuPowerMeter({ model, trans, onActivate })
        : new GpuPowerMeter({ model, trans, onActivate });
    Widget.attach(widget, document.body);
    disposables.push(widget, model);
    return { model, widget };
  }

  beforeEach(() => {
    client = new fakes.FakeClient();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
  });

  afterEach(() => {
    disposables.splice(0).forEach(d => d.dispose());
    metrics.dispose();
  });

  it("shows this server's CPU watts against the packages' limit", async () => {
    const { widget } = meter('cpu_power');
    await answer(() => undefined);
    await rendered(widget);

    expect(widget.node.textContent).toBe('CPU45 / 120 W');
    expect(widget.node.title).toContain(
      'CPU power of this server and its kernels: 45 W'
    );
    expect(widget.node.title).toContain('50.0% of the CPU capacity');
  });

  it("shows the job's GPUs with one tooltip line each", async () => {
    const { widget } = meter('gpu_power');
    await answer(() => undefined);
    await rendered(widget);

    // Watts, then the mean utilisation of GPUs 1 (97%) and 2 (12%).
    expect(widget.node.textContent).toBe('GPU514 / 1350 W · 55%');
    expect(widget.node.title).toContain(
      'GPU 1 (NVIDIA H100 80GB HBM3): 412 W, limit 650 W, 97% busy, 59.8 / 79.6 GB'
    );
    expect(widget.node.title).toContain(
      'GPU 2 (NVIDIA H100 80GB HBM3): 102 W, limit 700 W, 12% busy, 2.0 / 79.6 GB'
    );
    expect(widget.node.title).toContain('Mean utilisation of these GPUs: 55%');
  });

  it('averages only the GPUs that report their utilisation', async () => {
    const { widget } = meter('gpu_power');
    await answer(m => {
      m.gpu_power.devices[1].utilization_percent = null;
      m.gpu_power.devices[1].memory_used_bytes = null;
    });
    await rendered(widget);

    expect(widget.node.textContent).toBe('GPU514 / 1350 W · 97%');
    expect(widget.node.title).toContain(
      'GPU 2 (NVIDIA H100 80GB HBM3): 102 W, limit 700 W\n'
    );
  });

  it('shows watts only when no GPU reports its utilisation', async () => {
    const { widget } = meter('gpu_power');
    await answer(m => {
      m.gpu_power.devices.forEach(device => {
        device.utilization_percent = null;
      });
    });
    await rendered(widget);

    expect(widget.node.textContent).toBe('GPU514 / 1350 W');
    expect(widget.node.title).not.toContain('busy');
    expect(widget.node.title).not.toContain('Mean utilisation');
  });

  it('hides itself when the server does not measure that power', async () => {
    const { model, widget } = meter('gpu_power');
    await answer(m => {
      m.gpu_power = {
        ...m.gpu_power,
        available: false,
        watts: null,
        limit_watts: null,
        devices: [],
        reason: 'No GPU is allocated to this job.'
      };
    });
    await rendered(widget);

    expect(model.available).toBe(false);
    expect(widget.node.textContent).toBe('');
  });

  it('warns near the power limit', async () => {
    const { widget } = meter('cpu_power');
    await answer(m => {
      m.cpu_power.watts = 115;
    });
    await rendered(widget);

    expect(widget.node.classList.contains('jp-mod-warn')).toBe(true);
  });

  it('opens the history on click, Enter and Space', async () => {
    const opened = jest.fn();
    const { widget } = meter('cpu_power', opened);
    await answer(() => undefined);
    await rendered(widget);

    expect(widget.node.getAttribute('role')).toBe('button');
    widget.node.click();
    widget.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    widget.node.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    widget.node.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));

    expect(opened).toHaveBeenCalledTimes(3);
  });
});

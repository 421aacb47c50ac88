import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ICpuReading } from '../../api/types';
import { formatCpuUsage } from '../../cpu/format';
import { CpuMeterModel } from '../../cpu/model';
import { CpuMeter } from '../../cpu/widget';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { flush, rendered, waitFor } from '../wait';

/** When the first sample of a test was taken, by the server's clock. */
const START = Date.parse('2026-11-23T09:00:00.000Z');

describe('formatCpuUsage', () => {
  it('writes used cores to one decimal against the limit', () => {
    expect(formatCpuUsage(3.2, 8)).toBe('3.2 / 8');
    expect(formatCpuUsage(0.04, 1.5)).toBe('0.0 / 1.5');
    expect(formatCpuUsage(null, 8)).toBe('\u2013 / 8');
    expect(formatCpuUsage(2, null)).toBe('2.0');
  });
});

describe('CpuMeter', () => {
  let client: fakes.FakeClient;
  let metrics: MetricsModel;
  let model: CpuMeterModel;
  let meter: CpuMeter;

  /** Show the meter with a sample the fake server took `minutes` after START. */
  async function show(cpu: Partial<ICpuReading>, minutes = 0) {
    const answer = fakes.metrics();
    answer.time = new Date(START + minutes * 60_000).toISOString();
    answer.cpu = { ...answer.cpu!, ...cpu };
    client.next = async () => answer;
    await metrics.refresh();
    await flush();
    await rendered(meter);
  }

  function warned(): boolean {
    return meter.node.classList.contains('jp-mod-warn');
  }

  beforeEach(() => {
    client = new fakes.FakeClient();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
    model = new CpuMeterModel({ metrics });
    meter = new CpuMeter({
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

  it('shows the cores used against the limit, with the cgroup file in its tooltip', async () => {
    await show({});

    expect(model.available).toBe(true);
    expect(meter.node.textContent).toBe('CPU3.2 / 8 cores');
    expect(meter.node.title).toContain('CPU used: 3.2 of 8 cores (40%)');
    expect(meter.node.title).toContain(
      "the job's CPU cgroup (/sys/fs/cgroup/system.slice/slurmstepd.scope/job_1234/cpuset.cpus.effective)"
    );
    expect(meter.node.getAttribute('aria-valuemax')).toBe('8');
    expect(warned()).toBe(false);
  });

  it('names a cgroup v1 limit as the cgroup it came from', async () => {
    await show({
      limit_source: 'cgroup-v1',
      limit_detail: '/sys/fs/cgroup/cpuset/slurm/uid_1000/job_7/cpuset.cpus'
    });

    expect(meter.node.title).toContain(
      "the job's CPU cgroup (/sys/fs/cgroup/cpuset/slurm/uid_1000/job_7/cpuset.cpus)"
    );
    expect(meter.node.title).not.toContain('No CPU limit is known');
  });

  it('shows a dash for the used cores before the second sample', async () => {
    await show({ used_cores: null });

    expect(model.available).toBe(true);
    expect(meter.node.textContent).toBe('CPU\u2013 / 8 cores');
    expect(meter.node.title).toContain('measured from the next sample on');
  });

  it('says where each limit comes from', async () => {
    await show({ limit_source: 'slurm', limit_detail: 'SLURM_CPUS_ON_NODE' });
    expect(meter.node.title).toContain(
      'Limit: the Slurm allocation (SLURM_CPUS_ON_NODE).'
    );

    await show({ limit_source: 'affinity', limit_detail: null }, 1);
    expect(meter.node.title).toContain("this process's CPU affinity");

    await show({ limit_source: 'node', limit_detail: "the node's CPUs" }, 2);
    expect(meter.node.title).toContain("all the node's CPUs");
  });

  it('is hidden, and renders nothing, when the CPU cannot be read', async () => {
    await show({
      available: false,
      used_cores: null,
      limit_cores: null,
      limit_source: null,
      reason: 'no /proc/stat'
    });

    expect(model.available).toBe(false);
    expect(meter.node.textContent).toBe('');
    expect(meter.node.hasAttribute('title')).toBe(false);
  });

  it('is hidden with a server that has no cpu section', async () => {
    const answer = fakes.metrics();
    delete answer.cpu;
    client.next = async () => answer;
    await metrics.refresh();
    await waitFor(() => {
      expect(model.available).toBe(false);
    });
  });

  it('warns once the cores sit idle for longer than the idle duration, and clears when busy again', async () => {
    // 0.5 of 8 cores: below a quarter, but only for 9 minutes of samples.
    for (const minutes of [0, 3, 6, 9]) {
      await show({ used_cores: 0.5 }, minutes);
      expect(warned()).toBe(false);
    }
    expect(meter.node.title).not.toContain('unused');

    await show({ used_cores: 0.5 }, 12);
    expect(warned()).toBe(true);
    expect(meter.node.title).toContain(
      '7.5 of 8 cores unused for 12 min: give the cores back by ending the job or asking for fewer.'
    );

    await show({ used_cores: 6 }, 13);
    expect(warned()).toBe(false);
    expect(meter.node.title).not.toContain('unused');

    // Idle again: the count starts over from this sample.
    await show({ used_cores: 1 }, 14);
    await show({ used_cores: 1 }, 23);
    expect(warned()).toBe(false);
  });

  it('does not count a busy sample in the middle of an idle stretch', async () => {
    await show({ used_cores: 0.5 }, 0);
    await show({ used_cores: 4 }, 5);
    await show({ used_cores: 0.5 }, 6);
    await show({ used_cores: 0.5 }, 12);

    expect(warned()).toBe(false);
  });

  it('follows changed idle settings', async () => {
    model.idleMinutes = 2;
    await show({ used_cores: 3.2 }, 0);
    await show({ used_cores: 3.2 }, 3);
    expect(warned()).toBe(false);

    // 3.2 of 8 is idle below a half.
    model.idleFraction = 0.5;
    await show({ used_cores: 3.2 }, 4);
    await show({ used_cores: 3.2 }, 6);
    await waitFor(() => {
      expect(warned()).toBe(true);
    });
  });

  it('keeps its reading, marked stale, when a later poll fails', async () => {
    await show({});
    client.next = () => Promise.reject(new Error('server went away'));
    await metrics.refresh();
    await flush();
    meter.update();
    await waitFor(() => {
      expect(meter.node.classList.contains('jp-mod-stale')).toBe(true);
      expect(meter.node.title).toContain('server went away');
      expect(meter.node.textContent).toContain('cores');
    });
  });
});

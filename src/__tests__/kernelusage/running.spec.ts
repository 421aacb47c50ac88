import { Notification } from '@jupyterlab/apputils';
import { IRunningSessions } from '@jupyterlab/running';

import { IMetrics } from '../../api/types';
import { KernelUsageModel, WARN_SHARE } from '../../kernelusage/model';
import { KernelUsageManager } from '../../kernelusage/running';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { waitFor } from '../wait';
import {
  FakeServices,
  GIB,
  metricsModel,
  MIB,
  poll,
  snapshot,
  trans,
  usage
} from './utils';

/** The notifications shown, oldest first. */
const shown = (): Notification.INotification[] =>
  Notification.manager.notifications.slice().reverse();

describe('KernelUsageManager', () => {
  let services: FakeServices;
  let next: IMetrics;
  let metrics: MetricsModel;
  let model: KernelUsageModel;
  let manager: KernelUsageManager;
  let open: jest.Mock;

  /** The items of the section, as the Running panel asks for them. */
  const items = (): IRunningSessions.IRunningItem[] =>
    manager.running({ mode: 'list' });

  /** Label and detail of every item, in the panel's order. */
  const shownItems = (): [string, string][] =>
    items().map(item => [item.label() as string, item.detail!()]);

  beforeEach(async () => {
    Notification.manager.dismiss();
    services = new FakeServices();
    next = fakes.metrics();
    metrics = metricsModel(() => next);
    model = new KernelUsageModel({
      metrics,
      sessions: services.sessionManager,
      kernels: services.kernelManager,
      specs: services.specs
    });
    open = jest.fn();
    manager = new KernelUsageManager({
      model,
      kernels: services.kernelManager,
      trans,
      open
    });
  });

  afterEach(() => {
    model.dispose();
    metrics.dispose();
  });

  it('shows the golden kernel: its memory, share of the 5 GB limit and cores', async () => {
    await poll(metrics);

    expect(manager.name).toBe('Kernel Usage');
    // No session or kernel of this page knows it: named by its id.
    expect(shownItems()).toEqual([
      ['Kernel 5f1c0e1e', '1.0 GB (20 %) · 1 core']
    ]);
  });

  it('lists the largest memory first, named after the notebook or console each serves', async () => {
    services.addNotebook('small', 'work/small.ipynb');
    services.addNotebook('big', 'work/analysis/big.ipynb');
    services.addNotebook('shell', 'console-1', 'console');
    services.addKernel('lonely');
    next = snapshot([
      usage('small', 200 * MIB),
      usage('lonely', 300 * MIB),
      usage('big', 2 * GIB, { cpu_cores: 0.8 }),
      usage('shell', 50 * MIB, { cpu_cores: null })
    ]);

    await poll(metrics);

    expect(shownItems()).toEqual([
      ['big.ipynb', '2.0 GB (40 %) · 0.8 cores'],
      ['Kernel Python 3 (ipykernel)', '300 MB (6 %) · 0.5 cores'],
      ['small.ipynb', '200 MB (4 %) · 0.5 cores'],
      // Its cores are measured from its second sample on.
      ['console-1', '50.0 MB (1 %)']
    ]);
    expect(items().map(item => item.context)).toEqual([
      'big',
      'lonely',
      'small',
      'shell'
    ]);
  });

  it('says all it knows of a kernel in its tooltip', async () => {
    services.addNotebook('big', 'work/analysis/big.ipynb');
    next = snapshot([
      usage('big', 2 * GIB, { pid: 1234, processes: 3, cpu_cores: 0.8 })
    ]);

    await poll(metrics);

    expect(items()[0].labelTitle!()).toBe(
      [
        'Path: work/analysis/big.ipynb',
        'Kernel: Python 3 (ipykernel) (python3)',
        'Process: 1234, and 2 processes it started',
        "Memory: 2.0 GB, 40 % of the job's limit of 5.0 GB",
        'CPU: 0.8 cores busy'
      ].join('\n')
    );
  });

  it('shows no share when the job has no memory limit', async () => {
    next = snapshot([usage('a', 1536 * MIB, { cpu_cores: 1 })]);
    next.memory.limit_bytes = null;

    await poll(metrics);

    expect(shownItems()).toEqual([['Kernel a', '1.5 GB · 1 core']]);
    expect(items()[0].labelTitle!()).toContain('Memory: 1.5 GB\n');
    expect(items()[0].className).not.toContain('jp-mod-warn');
  });

  it("warns of a kernel holding more than half of the job's limit", async () => {
    const limit = fakes.metrics().memory.limit_bytes!;
    services.addNotebook('half', 'half.ipynb');
    services.addNotebook('more', 'more.ipynb');
    next = snapshot([
      usage('half', limit * WARN_SHARE),
      usage('more', limit * WARN_SHARE + MIB)
    ]);

    await poll(metrics);

    const [more, half] = items();
    expect(more.label()).toBe('more.ipynb');
    expect(more.className).toBe('jp-hpc-KernelUsage jp-mod-warn');
    expect(more.labelTitle!()).toContain(
      'it is the likeliest reason the job would be killed at that limit'
    );
    expect(half.className).toBe('jp-hpc-KernelUsage');
    expect(half.labelTitle!()).not.toContain('likeliest');
  });

  it('shows nothing when the server cannot read its kernels, or predates them', async () => {
    next = {
      ...fakes.metrics(),
      kernels: { available: false, kernels: [], reason: 'no /proc here' }
    };
    await poll(metrics);
    expect(items()).toEqual([]);
    expect(model.reason).toBe('no /proc here');

    next = fakes.metrics();
    delete next.kernels;
    await poll(metrics);
    expect(items()).toEqual([]);
  });

  it('follows each metrics update, and sessions as they come', async () => {
    const changes = jest.fn();
    manager.runningChanged.connect(changes);
    next = snapshot([usage('k', 100 * MIB)]);
    await poll(metrics);
    expect(shownItems()).toEqual([['Kernel k', '100 MB (2 %) · 0.5 cores']]);

    next = snapshot([usage('k', 300 * MIB)]);
    manager.refreshRunning();
    await waitFor(() => {
      expect(shownItems()).toEqual([['Kernel k', '300 MB (6 %) · 0.5 cores']]);
    });

    services.addNotebook('k', 'late.ipynb');
    services.sessionsChanged.emit(services.sessions);
    expect(shownItems()[0][0]).toBe('late.ipynb');
    expect(changes.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it('opens the notebook of a kernel; one no session uses opens nothing', async () => {
    services.addNotebook('nb', 'work/nb.ipynb');
    next = snapshot([usage('nb', 2 * MIB), usage('bare', MIB)]);
    await poll(metrics);

    const [notebook, bare] = items();
    notebook.open!();

    expect(open).toHaveBeenCalledWith({
      path: 'work/nb.ipynb',
      name: 'nb.ipynb',
      type: 'notebook'
    });
    expect(bare.open).toBeUndefined();
  });

  it('shuts a kernel down through the kernel manager, and drops it at once', async () => {
    services.addNotebook('a', 'a.ipynb');
    services.addNotebook('b', 'b.ipynb');
    next = snapshot([usage('a', 2 * MIB), usage('b', MIB)]);
    await poll(metrics);

    items()[0].shutdown!();

    await waitFor(() => {
      expect(services.shutdowns).toEqual(['a']);
      expect(shownItems().map(([label]) => label)).toEqual(['b.ipynb']);
    });
    // The next sample still measured it: still hidden.
    await poll(metrics);
    expect(shownItems().map(([label]) => label)).toEqual(['b.ipynb']);

    manager.shutdownAll();
    await waitFor(() => {
      expect(services.shutdowns).toEqual(['a', 'b']);
      expect(items()).toEqual([]);
    });
  });

  it('says why a kernel could not be shut down, and keeps it listed', async () => {
    services.addNotebook('a', 'a.ipynb');
    next = snapshot([usage('a', MIB)]);
    await poll(metrics);
    services.nextShutdown = () => Promise.reject(new Error('Kernel not found'));

    await manager.shutdown(model.items[0]);

    expect(shown().map(n => [n.type, n.message])).toEqual([
      [
        'error',
        'The kernel of a.ipynb could not be shut down: Kernel not found'
      ]
    ]);
    expect(items()).toHaveLength(1);
  });
});

import { JupyterFrontEnd } from '@jupyterlab/application';
import { StatusBar } from '@jupyterlab/statusbar';
import { Widget } from '@lumino/widgets';

import { cpuPlugin } from '../../cpu/plugin';
import { DEFAULT_IDLE_FRACTION, DEFAULT_IDLE_MINUTES } from '../../cpu/model';
import { CpuMeter } from '../../cpu/widget';
import { memoryPlugin } from '../../memory/plugin';
import { MemoryMeter } from '../../memory/widget';
import { MeterRegistry } from '../../meters/registry';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { waitFor } from '../wait';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const schema = require('../../../schema/cpu.json');

describe('cpuPlugin', () => {
  let statusBar: StatusBar;
  let registry: MeterRegistry;
  let metrics: MetricsModel;

  beforeEach(async () => {
    statusBar = new StatusBar();
    Widget.attach(statusBar, document.body);
    registry = new MeterRegistry({ statusBar });
    Widget.attach(registry.topGroup, document.body);
    const client = new fakes.FakeClient();
    client.next = async () => fakes.metrics();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
    const app = {} as JupyterFrontEnd;
    memoryPlugin.activate(app, metrics, registry, null, null);
    cpuPlugin.activate(app, metrics, registry, null, null);
    await metrics.refresh();
  });

  afterEach(() => {
    registry.topGroup.dispose();
    statusBar.dispose();
    metrics.dispose();
  });

  it('puts the CPU meter right after the memory meter, in the status bar', async () => {
    await waitFor(() => {
      const meters = Array.from(
        statusBar.node.querySelectorAll('.jp-hpc-Meter')
      ).filter(node => !node.closest('.lm-mod-hidden'));
      expect(meters.map(node => node.textContent)).toEqual([
        'Mem1.2 / 5.0 GB',
        'CPU3.2 / 8 cores'
      ]);
    });
  });

  it('moves with the meters to the top bar', async () => {
    registry.placement = 'top-bar';

    const views = registry.topGroup.widgets;
    expect(views[0]).toBeInstanceOf(MemoryMeter);
    expect(views[1]).toBeInstanceOf(CpuMeter);
    await waitFor(() => {
      expect(views[1].isHidden).toBe(false);
      expect(views[1].node.textContent).toBe('CPU3.2 / 8 cores');
    });
  });

  it('has the settings the model defaults to', () => {
    expect(schema.properties.idleFraction.default).toBe(DEFAULT_IDLE_FRACTION);
    expect(schema.properties.idleMinutes.default).toBe(DEFAULT_IDLE_MINUTES);
  });
});

import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { SettingRegistry } from '@jupyterlab/settingregistry';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { HPCRequestError } from '../../api/client';
import { IHistory } from '../../api/types';
import { HistoryModel } from '../../history/model';
import { HistoryPanel } from '../../history/panel';
import { CommandIDs, historyPlugin } from '../../history/plugin';
import { SeriesSelection } from '../../history/selection';
import { MetricsModel } from '../../metrics/model';
import * as fakes from '../fakes';
import { rendered, waitFor } from '../wait';
import { MemoryConnector } from './settings';

const trans = nullTranslator.load('jupyterlab_hpc');

/** A history of samples 5 s apart, each `[cpu, gpu, co2]`. */
function samples(
  ...values: [number | null, number | null, number | null][]
): IHistory {
  return {
    samples: values.map(([cpu, gpu, co2], i) => ({
      time: new Date(Date.UTC(2026, 10, 23, 9, 0, 5 * i)).toISOString(),
      memory_used_bytes: null,
      cpu_watts: cpu,
      gpu_watts: gpu,
      co2_g: co2
    }))
  };
}

/** A history of samples 5 s apart, each `[cores busy, core limit]`, 1 of 4 GiB used. */
function usage(...values: [number | null, number | null][]): IHistory {
  return {
    samples: values.map(([cores, limit], i) => ({
      time: new Date(Date.UTC(2026, 10, 23, 9, 0, 5 * i)).toISOString(),
      memory_used_bytes: 1024 ** 3,
      memory_limit_bytes: 4 * 1024 ** 3,
      cpu_watts: 40,
      gpu_watts: null,
      co2_g: 10 + i,
      cpu_used_cores: cores,
      cpu_limit_cores: limit,
      gpu_utilization_percent: null,
      gpu_memory_used_bytes: null
    }))
  };
}

/** The toggle of the series `key`. */
function button(node: HTMLElement, key: string): HTMLButtonElement {
  return node.querySelector<HTMLButtonElement>(
    `.jp-hpc-History-toggle.jp-hpc-History-${key}`
  )!;
}

/** The titles of the chart's plots, top to bottom. */
function units(node: HTMLElement): string[] {
  return Array.from(
    node.querySelectorAll('.jp-hpc-History-unit'),
    unit => unit.textContent ?? ''
  );
}

/** The text of the element of class `name` under `node`, or null. */
function text(node: HTMLElement, name: string): string | null {
  return node.querySelector(`.${name}`)?.textContent ?? null;
}

describe('HistoryPanel', () => {
  let client: fakes.FakeClient;
  let metrics: MetricsModel;
  let model: HistoryModel;
  let panel: HistoryPanel;

  /** Open a panel on the history `answer` and wait for it to show. */
  async function open(
    answer: () => Promise<IHistory>,
    selection?: SeriesSelection
  ) {
    client.history = answer;
    model = new HistoryModel({ client, metrics });
    panel = new HistoryPanel({ model, trans, selection });
    Widget.attach(panel, document.body);
    await model.load();
    await rendered(panel);
  }

  beforeEach(() => {
    client = new fakes.FakeClient();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
  });

  afterEach(() => {
    panel.dispose();
    metrics.dispose();
  });

  it('is a closable main-area tab that can take the focus', async () => {
    await open(async () => samples([40, 500, 12]));

    expect(panel.title.label).toBe('Usage History');
    expect(panel.title.closable).toBe(true);
    expect(panel.title.icon).toBeTruthy();
    expect(panel.node.tabIndex).toBe(-1);
    expect(
      panel.node
        .querySelector('.jp-hpc-History-chart')!
        .getAttribute('tabindex')
    ).toBe('0');
  });

  it('sums up the latest readings above the chart', async () => {
    await open(async () =>
      samples([40, 500, 12], [45.2, 513.87, 1234.5], [null, null, 1240])
    );

    expect(text(panel.node, 'jp-hpc-History-cpu')).toBe('CPU power45 W');
    expect(text(panel.node, 'jp-hpc-History-gpu')).toBe('GPU power514 W');
    expect(text(panel.node, 'jp-hpc-History-co2')).toBe('CO2 emitted1.24 kg');
    expect(text(panel.node, 'jp-hpc-History-samples')).toMatch(
      /^3 samples since \d\d:\d\d$/
    );
    expect(panel.node.querySelectorAll('.jp-hpc-History-line')).toHaveLength(3);
  });

  it('shows the GPU series as unavailable, with why, where the job has none', async () => {
    await open(async () => samples([40, null, 12], [41, null, 12.1]));

    for (const key of ['gpu', 'gpuUtil', 'gpuMemory']) {
      const toggle = button(panel.node, key);
      expect(toggle.getAttribute('aria-disabled')).toBe('true');
      expect(toggle.getAttribute('aria-pressed')).toBe('false');
      expect(toggle.title).toContain('unavailable: no GPU of this job');
      // No flat zero line, and no value.
      expect(toggle.querySelector('.jp-hpc-History-value')).toBeNull();
    }
    // Shown by default, but nothing to draw: no line, no plot of its own.
    button(panel.node, 'gpu').click();
    await rendered(panel);
    expect(
      panel.node.querySelector('.jp-hpc-History-line.jp-mod-gpu')
    ).toBeNull();
    expect(text(panel.node, 'jp-hpc-History-cpu')).toBe('CPU power41 W');
  });

  it("gives the server's reason for a series it cannot measure", async () => {
    const answer = fakes.metrics();
    answer.gpu_power = {
      available: false,
      watts: null,
      limit_watts: null,
      devices: [],
      reason: 'nvidia-smi was not found.'
    };
    client.next = async () => answer;
    await metrics.refresh();
    await waitFor(() => {
      expect(metrics.metrics?.gpu_power.available).toBe(false);
    });
    await open(async () => samples([40, null, 12]));

    expect(button(panel.node, 'gpuUtil').title).toBe(
      'GPU utilisation: unavailable: nvidia-smi was not found.'
    );
  });

  it('turns a series on and off with its toggle, each unit in a plot of its own', async () => {
    const selection = new SeriesSelection();
    await open(async () => usage([1.5, 8], [3.2, 8]), selection);
    const cores = button(panel.node, 'cores');
    expect(cores.tagName).toBe('BUTTON');
    expect(cores.getAttribute('aria-pressed')).toBe('false');
    expect(cores.textContent).toBe('CPU cores3.2 / 8 cores');
    expect(
      panel.node.querySelector('.jp-hpc-History-line.jp-mod-cores')
    ).toBeNull();

    cores.click();
    await waitFor(() => {
      expect(cores.getAttribute('aria-pressed')).toBe('true');
      expect(
        panel.node.querySelector('.jp-hpc-History-line.jp-mod-cores')
      ).not.toBeNull();
    });
    expect(selection.shown).toContain('cores');
    expect(units(panel.node)).toEqual(['Power (W)', 'CO2 (g)', 'CPU (cores)']);
    expect(
      panel.node.querySelector('.jp-hpc-History-limit.jp-mod-cores')
    ).not.toBeNull();

    button(panel.node, 'cpu').click();
    button(panel.node, 'co2').click();
    await waitFor(() => {
      expect(units(panel.node)).toEqual(['CPU (cores)']);
    });
    expect(button(panel.node, 'cpu').getAttribute('aria-pressed')).toBe(
      'false'
    );
    expect(
      panel.node.querySelector('.jp-hpc-History-line.jp-mod-cpu')
    ).toBeNull();
  });

  it('shows what the selection shows, as when reopened', async () => {
    const selection = new SeriesSelection({ shown: ['memory'] });
    await open(async () => usage([1, 8], [2, 8]), selection);

    expect(units(panel.node)).toEqual(['Memory (GB)']);
    expect(button(panel.node, 'memory').getAttribute('aria-pressed')).toBe(
      'true'
    );
    expect(text(panel.node, 'jp-hpc-History-memory')).toBe(
      'Memory1.0 / 4.0 GB'
    );
  });

  it('says when there is nothing to draw yet', async () => {
    await open(async () => samples());

    expect(panel.node.querySelector('.jp-hpc-History-summary')).toBeNull();
    expect(text(panel.node, 'jp-hpc-History-empty')).toBe(
      'No samples yet: the server samples every few seconds.'
    );
  });

  it("shows the server's error with a Retry button that loads again", async () => {
    const history = jest
      .fn<Promise<IHistory>, []>()
      .mockRejectedValueOnce(
        new HPCRequestError({
          status: 503,
          message: 'The sampler is not running.',
          url: 'http://localhost/jupyterlab-hpc/metrics/history'
        })
      )
      .mockResolvedValueOnce(samples([40, 500, 12]));
    await open(history);

    const error = panel.node.querySelector('.jp-hpc-History-error')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain('The sampler is not running.');

    panel.node
      .querySelector<HTMLButtonElement>('.jp-hpc-History-retry')!
      .click();
    await waitFor(() => {
      expect(history).toHaveBeenCalledTimes(2);
      expect(panel.node.querySelector('.jp-hpc-History-error')).toBeNull();
      expect(text(panel.node, 'jp-hpc-History-cpu')).toBe('CPU power40 W');
    });
  });

  it('says it is loading until the history comes', async () => {
    client.history = () => new Promise(() => undefined);
    model = new HistoryModel({ client, metrics });
    panel = new HistoryPanel({ model, trans });
    Widget.attach(panel, document.body);
    void model.load();
    await waitFor(() => {
      expect(text(panel.node, 'jp-hpc-History-status')).toBe(
        'Loading the history…'
      );
      expect(panel.node.querySelector('.jp-hpc-History-empty')).toBeNull();
    });
  });

  it('disposes its model when closed', async () => {
    await open(async () => samples([40, 500, 12]));

    panel.dispose();

    expect(model.isDisposed).toBe(true);
  });
});

describe('historyPlugin', () => {
  let client: fakes.FakeClient;
  let metrics: MetricsModel;
  let commands: CommandRegistry;
  let shell: { add: jest.Mock; activateById: jest.Mock };
  let palette: { addItem: jest.Mock };

  beforeEach(() => {
    client = new fakes.FakeClient();
    metrics = new MetricsModel({ client, auto: false, standby: 'never' });
    commands = new CommandRegistry();
    shell = {
      add: jest.fn((widget: Widget) => Widget.attach(widget, document.body)),
      activateById: jest.fn()
    };
    palette = { addItem: jest.fn() };
    const app = { commands, shell } as unknown as JupyterFrontEnd;
    historyPlugin.activate(
      app,
      client,
      metrics,
      palette as unknown as ICommandPalette,
      null,
      null
    );
  });

  afterEach(() => {
    shell.add.mock.calls.forEach(([widget]) => widget.dispose());
    metrics.dispose();
  });

  it('has the id and command the meters use', () => {
    expect(historyPlugin.id).toBe('jupyterlab-hpc:history');
    expect(CommandIDs.openHistory).toBe('jupyterlab-hpc:open-history');
    expect(commands.label(CommandIDs.openHistory)).toBe(
      'Usage and Power History'
    );
    expect(palette.addItem).toHaveBeenCalledWith({
      command: CommandIDs.openHistory,
      category: 'HPC'
    });
  });

  it('opens one panel, loads the history once, and brings it back when run again', async () => {
    const history = jest.spyOn(client, 'history');

    const first = await commands.execute(CommandIDs.openHistory);
    const second = await commands.execute(CommandIDs.openHistory);

    expect(second).toBe(first);
    expect(shell.add).toHaveBeenCalledTimes(1);
    expect(shell.add).toHaveBeenCalledWith(first, 'main');
    expect(shell.activateById).toHaveBeenCalledTimes(2);
    expect(history).toHaveBeenCalledTimes(1);
  });

  it('opens a new panel after the first was closed', async () => {
    const first = (await commands.execute(CommandIDs.openHistory)) as Widget;
    first.dispose();

    const second = await commands.execute(CommandIDs.openHistory);

    expect(second).not.toBe(first);
    expect(shell.add).toHaveBeenCalledTimes(2);
  });
});

describe('historyPlugin with settings', () => {
  it("shows the user's saved series, and saves a toggle, across panels", async () => {
    const client = new fakes.FakeClient();
    const metrics = new MetricsModel({ client, auto: false, standby: 'never' });
    const commands = new CommandRegistry();
    const shell = {
      add: jest.fn((widget: Widget) => Widget.attach(widget, document.body)),
      activateById: jest.fn()
    };
    const connector = new MemoryConnector('{"series": ["cores"]}');
    const registry = new SettingRegistry({ connector });
    const app = { commands, shell } as unknown as JupyterFrontEnd;
    historyPlugin.activate(app, client, metrics, null, null, null, registry);
    try {
      let panel = (await commands.execute(CommandIDs.openHistory)) as Widget;
      const pressed = (key: string) =>
        panel.node
          .querySelector(`.jp-hpc-History-toggle.jp-hpc-History-${key}`)
          ?.getAttribute('aria-pressed');
      await waitFor(() => {
        expect(pressed('cores')).toBe('true');
        expect(pressed('cpu')).toBe('false');
      });

      panel.node
        .querySelector<HTMLButtonElement>(
          '.jp-hpc-History-toggle.jp-hpc-History-memory'
        )!
        .click();
      await waitFor(() => {
        expect(connector.raw).toMatch(
          /"series":\s*\[\s*"cores",\s*"memory"\s*\]/
        );
      });

      // Closed and opened again: the same series.
      panel.dispose();
      panel = (await commands.execute(CommandIDs.openHistory)) as Widget;
      await waitFor(() => {
        expect(pressed('cores')).toBe('true');
        expect(pressed('memory')).toBe('true');
      });
    } finally {
      shell.add.mock.calls.forEach(([widget]) => widget.dispose());
      metrics.dispose();
    }
  });
});

import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { facetLayout, HistoryChart } from '../../history/chart';
import { formatClock } from '../../history/format';
import { IHistoryPoint, SeriesKey } from '../../history/model';
import { niceTicks, runs, timeTicks } from '../../history/scales';
import { rendered } from '../wait';

const trans = nullTranslator.load('jupyterlab_hpc');
const START = Date.UTC(2026, 10, 23, 9, 0, 0);
const WIDTH = 600;
const HEIGHT = 300;

/** Points 5 s apart from 09:00 UTC. */
function points(
  ...values: [number | null, number | null, number | null][]
): IHistoryPoint[] {
  return values.map(([cpu, gpu, co2], i) => ({
    ...EMPTY,
    time: START + 5000 * i,
    cpu,
    gpu,
    co2
  }));
}

/** A point with no reading at all. */
const EMPTY: IHistoryPoint = {
  time: START,
  cpu: null,
  gpu: null,
  co2: null,
  cores: null,
  coresLimit: null,
  memory: null,
  memoryLimit: null,
  gpuUtil: null,
  gpuMemory: null
};

/** The y coordinates of a path's points, subpath by subpath. */
function subpaths(d: string): number[][] {
  return d
    .split('M')
    .filter(Boolean)
    .map(part =>
      Array.from(part.matchAll(/(-?[\d.]+),(-?[\d.]+)/g), match =>
        Number(match[2])
      )
    );
}

describe('HistoryChart', () => {
  let widget: ReactWidget;

  /** Render the chart at 600 × 300, with these series shown (default: all). */
  async function render(
    data: IHistoryPoint[],
    shown?: SeriesKey[]
  ): Promise<HTMLElement> {
    widget = ReactWidget.create(
      <HistoryChart
        points={data}
        shown={shown}
        trans={trans}
        width={WIDTH}
        height={HEIGHT}
      />
    );
    Widget.attach(widget, document.body);
    await rendered(widget);
    return widget.node;
  }

  /** The `d` of the line of `series`, or null when it is not drawn. */
  function line(node: HTMLElement, series: string): string | null {
    const path = node.querySelector(
      `path.jp-hpc-History-line.jp-mod-${series}`
    );
    return path ? path.getAttribute('d') : null;
  }

  afterEach(() => {
    widget.dispose();
  });

  it('draws a line per series that has readings, and none for a missing GPU', async () => {
    const node = await render(
      points([40, null, 10], [45, null, 10.5], [50, null, 11])
    );

    const svg = node.querySelector('svg.jp-hpc-History-chart')!;
    expect(svg).not.toBeNull();
    expect(svg.getAttribute('role')).toBe('img');
    expect(line(node, 'cpu')).toMatch(/^M/);
    expect(line(node, 'co2')).toMatch(/^M/);
    expect(line(node, 'gpu')).toBeNull();
    expect(node.querySelectorAll('.jp-hpc-History-line')).toHaveLength(2);
  });

  it('says the latest values in its accessible label', async () => {
    const node = await render(points([40, 400, 10], [45, 512, 1500]));

    const label = node
      .querySelector('.jp-hpc-History-chart')!
      .getAttribute('aria-label');
    expect(label).toContain('2 samples since');
    expect(label).toContain('CPU power 45 W');
    expect(label).toContain('GPU power 512 W');
    expect(label).toContain('CO2 emitted 1.50 kg');
  });

  it('leaves a gap where a reading is missing', async () => {
    const node = await render(
      points([40, 300, 1], [45, 310, 2], [null, 320, 3], [50, 330, 4])
    );

    expect(subpaths(line(node, 'cpu')!).map(run => run.length)).toEqual([2, 1]);
    expect(subpaths(line(node, 'gpu')!)).toHaveLength(1);
  });

  it('puts the highest reading at the top of its plot and zero at the bottom', async () => {
    const node = await render(points([0, 50, 10], [100, 80, 20]));

    // Watts above, grams below: one plot per unit.
    const [power, grams] = facetLayout(HEIGHT, 2);
    const [cpu] = subpaths(line(node, 'cpu')!);
    expect(cpu[0]).toBeCloseTo(power.bottom);
    expect(cpu[1]).toBeCloseTo(power.top);
    // CO2 only grows: its axis spans its own range in the window.
    const [co2] = subpaths(line(node, 'co2')!);
    expect(co2[0]).toBeCloseTo(grams.bottom);
    expect(co2[1]).toBeCloseTo(grams.top);
    expect(titles(node)).toEqual(['Power (W)', 'CO2 (g)']);
  });

  it('labels the time axis with 4 to 6 clock times', async () => {
    const node = await render(points([1, null, null], [2, null, null]));

    const labels = Array.from(
      node.querySelectorAll('.jp-hpc-History-axis.jp-mod-bottom text'),
      text => text.textContent
    );
    expect(labels.length).toBeGreaterThanOrEqual(4);
    expect(labels.length).toBeLessThanOrEqual(6);
    labels.forEach(label => expect(label).toMatch(/^\d\d:\d\d$/));
  });

  it('shows a message instead of an empty chart', async () => {
    const node = await render([]);

    expect(node.querySelector('svg')).toBeNull();
    expect(node.textContent).toBe(
      'No samples yet: the server samples every few seconds.'
    );
  });

  it('says so when no series shown has any reading', async () => {
    const node = await render(points([null, null, null]));

    expect(node.querySelector('svg')).toBeNull();
    expect(node.textContent).toBe(
      'None of the series shown has readings here: choose another one above.'
    );
  });

  it('says so when the user shows no series', async () => {
    const node = await render(points([40, 500, 12]), []);

    expect(node.querySelector('svg')).toBeNull();
    expect(node.textContent).toBe('No series shown: choose one above.');
  });

  it('draws the cores busy in a plot of their own, against the dashed limit', async () => {
    const data = usage([1, 8], [null, 8], [6, 8], [4, 8]);
    const node = await render(data, ['cpu', 'cores']);

    // The CPU watts and the cores never share an axis.
    expect(titles(node)).toEqual(['Power (W)', 'CPU (cores)']);
    const [, cores] = facetLayout(HEIGHT, 2);
    // The missing sample is a gap: two runs.
    const runs = subpaths(line(node, 'cores')!);
    expect(runs.map(run => run.length)).toEqual([1, 2]);
    // The axis spans zero to the limit: 8 cores at the top, 4 half way.
    const limit = node.querySelector('path.jp-hpc-History-limit.jp-mod-cores')!;
    const [limitLine] = subpaths(limit.getAttribute('d')!);
    limitLine.forEach(y => expect(y).toBeCloseTo(cores.top, 0));
    expect(runs[1][1]).toBeCloseTo((cores.top + cores.bottom) / 2, 0);
    expect(node.querySelector('.jp-hpc-History-limitLabel')!.textContent).toBe(
      'limit 8'
    );
  });

  it('draws memory in binary units against its limit, and GPU utilisation from 0 to 100 %', async () => {
    const GIB = 1024 ** 3;
    const data = usage([null, null], [null, null]).map((point, i) => ({
      ...point,
      memory: (1 + i) * GIB,
      memoryLimit: 4 * GIB,
      gpuUtil: 50,
      gpuMemory: 20 * GIB
    }));
    const node = await render(data, ['memory', 'gpuUtil', 'gpuMemory']);

    expect(titles(node)).toEqual([
      'Memory (GB)',
      'GPU utilisation (%)',
      'GPU memory (GB)'
    ]);
    const [memory, gpu] = facetLayout(HEIGHT, 3);
    const [used] = subpaths(line(node, 'memory')!);
    expect(used[1]).toBeCloseTo((memory.top + memory.bottom) / 2, 0);
    const [limit] = subpaths(
      node
        .querySelector('path.jp-hpc-History-limit.jp-mod-memory')!
        .getAttribute('d')!
    );
    expect(limit[0]).toBeCloseTo(memory.top, 0);
    const [utilisation] = subpaths(line(node, 'gpuUtil')!);
    expect(utilisation[0]).toBeCloseTo((gpu.top + gpu.bottom) / 2, 0);
  });

  it('draws only the series shown', async () => {
    const data = usage([2, 8], [3, 8]);
    const node = await render(data, ['cores']);

    expect(titles(node)).toEqual(['CPU (cores)']);
    expect(line(node, 'cpu')).toBeNull();
    expect(line(node, 'co2')).toBeNull();
    expect(node.querySelectorAll('.jp-hpc-History-line')).toHaveLength(1);
    expect(
      node.querySelector('.jp-hpc-History-chart')!.getAttribute('aria-label')
    ).toContain('CPU cores 3.0 / 8 cores');
  });
});

/** Points 5 s apart with these cores busy and limits, and some watts. */
function usage(...values: [number | null, number | null][]): IHistoryPoint[] {
  return values.map(([cores, coresLimit], i) => ({
    ...EMPTY,
    time: START + 5000 * i,
    cpu: 40,
    co2: 10 + i,
    cores,
    coresLimit
  }));
}

/** The plots' titles, top to bottom. */
function titles(node: HTMLElement): string[] {
  return Array.from(
    node.querySelectorAll('.jp-hpc-History-unit'),
    text => text.textContent ?? ''
  );
}

describe('chart scales', () => {
  it('picks round ticks that cover the values', () => {
    expect(niceTicks(0, 87).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 100).max).toBe(100);
    expect(niceTicks(12.3, 12.31).ticks[0]).toBeLessThanOrEqual(12.3);
    expect(niceTicks(0, 0).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('puts 4 to 6 whole minutes or hours on the time axis', () => {
    const minute = 60 * 1000;
    for (const span of [5, 8, 13, 45, 100, 240, 400, 600, 1440, 3000].map(
      minutes => minutes * minute
    )) {
      const ticks = timeTicks(START, START + span);
      expect(ticks.length).toBeGreaterThanOrEqual(4);
      expect(ticks.length).toBeLessThanOrEqual(6);
      ticks.forEach(tick => expect(formatClock(tick)).toMatch(/^\d\d:\d\d$/));
    }
  });

  it('breaks a line over a long silence of the server, as over a missing value', () => {
    const data = points([1, null, null], [2, null, null], [3, null, null]);
    const later = { ...data[2], time: START + 3600 * 1000 };

    expect(runs([...data, later], 'cpu')).toHaveLength(2);
    expect(runs(data, 'gpu')).toHaveLength(0);
  });
});

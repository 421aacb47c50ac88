import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { HistoryChart, MARGIN } from '../../history/chart';
import { formatClock } from '../../history/format';
import { IHistoryPoint } from '../../history/model';
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
    time: START + 5000 * i,
    cpu,
    gpu,
    co2
  }));
}

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

  /** Render the chart at 600 × 300. */
  async function render(data: IHistoryPoint[]): Promise<HTMLElement> {
    widget = ReactWidget.create(
      <HistoryChart points={data} trans={trans} width={WIDTH} height={HEIGHT} />
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

  it('puts the highest reading at the top of the plot and zero at the bottom', async () => {
    const node = await render(points([0, 50, 10], [100, 80, 20]));

    const [cpu] = subpaths(line(node, 'cpu')!);
    expect(cpu[0]).toBeCloseTo(HEIGHT - MARGIN.bottom);
    expect(cpu[1]).toBeCloseTo(MARGIN.top);
    // CO2 only grows: its axis spans its own range in the window.
    const [co2] = subpaths(line(node, 'co2')!);
    expect(co2[0]).toBeCloseTo(HEIGHT - MARGIN.bottom);
    expect(co2[1]).toBeCloseTo(MARGIN.top);
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

  it('says so when no sample has any power or CO2 reading', async () => {
    const node = await render(points([null, null, null]));

    expect(node.querySelector('svg')).toBeNull();
    expect(node.textContent).toContain('No power or CO2 readings');
  });
});

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

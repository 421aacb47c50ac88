import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  formatClock,
  formatDay,
  formatGrams,
  formatSince,
  formatTick,
  formatWatts
} from './format';
import {
  hasSeries,
  IHistoryPoint,
  latestValue,
  SERIES,
  SeriesKey
} from './model';
import {
  areaPath,
  DAY,
  gapThreshold,
  ITicks,
  linearScale,
  linePath,
  niceTicks,
  px,
  runs,
  timeTicks
} from './scales';

/** Room around the plot for the axes' labels, in pixels. */
export const MARGIN = { top: 20, right: 56, bottom: 24, left: 52 };

/** The size drawn before the container has been measured (and in tests). */
export const DEFAULT_SIZE: HistoryChart.ISize = { width: 640, height: 320 };

/** The shortest time span drawn, so that the first samples fill in from the left. */
export const MIN_SPAN = 5 * 60 * 1000;

/** The series' name, as the legend and the summary read it. */
export function seriesLabel(key: SeriesKey, trans: TranslationBundle): string {
  switch (key) {
    case 'cpu':
      return trans.__('CPU power');
    case 'gpu':
      return trans.__('GPU power');
    case 'co2':
      return trans.__('CO2 emitted');
  }
}

/** The latest value of a series in its unit, such as "45 W" or "12.3 g". */
export function formatValue(key: SeriesKey, value: number): string {
  return key === 'co2' ? formatGrams(value) : formatWatts(value);
}

/** The chart in words, for screen readers: what it covers and its latest values. */
export function describeHistory(
  points: readonly IHistoryPoint[],
  trans: TranslationBundle
): string {
  if (!points.length) {
    return trans.__('Power and CO2 history: no samples yet.');
  }
  const first = points[0].time;
  const latest = SERIES.map(key => [key, latestValue(points, key)] as const)
    .filter(([, value]) => value !== null)
    .map(([key, value]) =>
      trans.__('%1 %2', seriesLabel(key, trans), formatValue(key, value!))
    );
  const head = trans._n(
    'Power and CO2 history, %1 sample since %2.',
    'Power and CO2 history, %1 samples since %2.',
    points.length,
    formatSince(first, points[points.length - 1].time)
  );
  return latest.length
    ? `${head} ${trans.__('Latest: %1.', latest.join(', '))}`
    : head;
}

/**
 * The chart: time across; CPU and GPU watts on the left axis; cumulative CO2
 * on the right one. Colours come from the theme through `style/history.css`.
 */
export function HistoryChart(props: HistoryChart.IProps): JSX.Element {
  const { points, trans } = props;
  if (!points.length) {
    return (
      <div className="jp-hpc-History-empty">
        {trans.__('No samples yet: the server samples every few seconds.')}
      </div>
    );
  }
  const present = SERIES.filter(key => hasSeries(points, key));
  if (!present.length) {
    return (
      <div className="jp-hpc-History-empty">
        {trans.__(
          'No power or CO2 readings: this server cannot measure them here.'
        )}
      </div>
    );
  }
  const width = Math.max(props.width, MARGIN.left + MARGIN.right + 40);
  const height = Math.max(props.height, MARGIN.top + MARGIN.bottom + 40);
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;

  const start = points[0].time;
  const end = Math.max(points[points.length - 1].time, start + MIN_SPAN);
  const x = linearScale([start, end], [left, right]);
  const times = timeTicks(start, end);
  const byDay = times.length > 1 && times[1] - times[0] >= DAY;

  const maxGap = gapThreshold(points);
  const watts = present.filter(key => key !== 'co2');
  const power = watts.length ? Private.axis(points, watts, bottom, top) : null;
  const co2 = present.includes('co2')
    ? Private.axis(points, ['co2'], bottom, top)
    : null;
  // The grid follows the watts, or the CO2 when no power is known.
  const grid = (power ?? co2)!;

  return (
    <svg
      className="jp-hpc-History-chart"
      role="img"
      aria-label={describeHistory(points, trans)}
      tabIndex={0}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
    >
      <g className="jp-hpc-History-grid" aria-hidden="true">
        {grid.ticks.map(tick => (
          <line
            key={tick}
            x1={left}
            x2={right}
            y1={px(grid.y(tick))}
            y2={px(grid.y(tick))}
          />
        ))}
      </g>
      <g className="jp-hpc-History-axis jp-mod-bottom" aria-hidden="true">
        <line x1={left} x2={right} y1={bottom} y2={bottom} />
        {times.map(time => (
          <g key={time} transform={`translate(${px(x(time))},0)`}>
            <line y1={bottom} y2={bottom + 4} />
            <text y={bottom + 16}>
              {byDay ? formatDay(time) : formatClock(time)}
            </text>
          </g>
        ))}
      </g>
      {power && (
        <Private.YAxis axis={power} x={left - 6} top={top} side="left" />
      )}
      {co2 && (
        <Private.YAxis
          axis={co2}
          x={right + 6}
          top={top}
          side="right"
          unit={trans.__('%1 CO2', co2.unit)}
        />
      )}
      {co2 && (
        <path
          className="jp-hpc-History-area jp-hpc-History-area-co2 jp-mod-co2"
          d={areaPath(runs(points, 'co2', maxGap), 'co2', x, co2.value, bottom)}
        />
      )}
      {present.map(key => {
        const axis = key === 'co2' ? co2 : power;
        return (
          axis && (
            <path
              key={key}
              className={`jp-hpc-History-line jp-hpc-History-line-${key} jp-mod-${key}`}
              d={linePath(runs(points, key, maxGap), key, x, axis.value)}
            />
          )
        );
      })}
    </svg>
  );
}

/** A namespace for `HistoryChart` types. */
export namespace HistoryChart {
  /** A size in pixels. */
  export interface ISize {
    width: number;
    height: number;
  }

  /** The properties of the chart. */
  export interface IProps extends ISize {
    /** The points to draw, oldest first. */
    points: readonly IHistoryPoint[];
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
  }
}

/** The chart at the size of its container, redrawn when the container resizes. */
export function ResponsiveHistoryChart(
  props: Omit<HistoryChart.IProps, 'width' | 'height'>
): JSX.Element {
  const ref = React.useRef<HTMLDivElement>(null);
  const [size, setSize] = React.useState<HistoryChart.ISize | null>(null);
  React.useLayoutEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const measure = () => {
      const width = Math.floor(node.clientWidth);
      const height = Math.floor(node.clientHeight);
      setSize(old =>
        old && old.width === width && old.height === height
          ? old
          : { width, height }
      );
    };
    measure();
    // Absent in old browsers and in jsdom: the default size then holds.
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, []);
  const measured = size !== null && size.width > 0 && size.height > 0;
  return (
    <div ref={ref} className="jp-hpc-History-plot">
      <HistoryChart {...props} {...(measured ? size : DEFAULT_SIZE)} />
    </div>
  );
}

namespace Private {
  /** A vertical axis: round ticks in its unit, and where values go. */
  export interface IAxis extends ITicks {
    /** "W", "kW", "g" or "kg". */
    unit: string;
    /** The pixel height of a tick, in the axis unit. */
    y: (tick: number) => number;
    /** The pixel height of a value, in watts or grams. */
    value: (value: number) => number;
  }

  /**
   * The axis of the series `keys`: watts from zero, since power is read
   * against nothing; CO2, a counter that only grows, over its range in the
   * window, so that its growth shows.
   */
  export function axis(
    points: readonly IHistoryPoint[],
    keys: SeriesKey[],
    bottom: number,
    top: number
  ): IAxis {
    const isCo2 = keys[0] === 'co2';
    let low = Infinity;
    let high = -Infinity;
    for (const point of points) {
      for (const key of keys) {
        const value = point[key];
        if (value !== null) {
          low = Math.min(low, value);
          high = Math.max(high, value);
        }
      }
    }
    const [unit, factor] = isCo2
      ? high >= 1000
        ? ['kg', 1000]
        : ['g', 1]
      : high >= 10000
        ? ['kW', 1000]
        : ['W', 1];
    const ticks = niceTicks(
      isCo2 ? Math.max(0, low / factor) : 0,
      Math.max(0, high / factor)
    );
    const y = linearScale([ticks.min, ticks.max], [bottom, top]);
    return { ...ticks, unit, y, value: value => y(value / factor) };
  }

  /** The labels of a vertical axis, its unit on top. */
  export function YAxis(props: {
    axis: IAxis;
    x: number;
    top: number;
    side: 'left' | 'right';
    unit?: string;
  }): JSX.Element {
    const { axis, x, top, side } = props;
    return (
      <g className={`jp-hpc-History-axis jp-mod-${side}`} aria-hidden="true">
        <text className="jp-hpc-History-unit" x={x} y={top - 8}>
          {props.unit ?? axis.unit}
        </text>
        {axis.ticks.map(tick => (
          <text key={tick} x={x} y={px(axis.y(tick))} dy="0.32em">
            {formatTick(tick, axis.step)}
          </text>
        ))}
      </g>
    );
  }
}

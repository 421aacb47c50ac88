import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { formatCores, formatCpuUsage } from '../cpu/format';
import { formatBytes, formatUsage, unitExponent } from '../memory/format';
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
  LIMITS,
  SERIES,
  SeriesKey,
  ValueKey
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

/** Room around the plots for the axes' labels, in pixels. */
export const MARGIN = { top: 24, right: 48, bottom: 24, left: 52 };

/** The room between two stacked plots, for the lower one's title. */
export const FACET_GAP = 32;

/** The least height of one plot: a chart this small scrolls instead. */
export const MIN_FACET_HEIGHT = 56;

/** The size drawn before the container has been measured (and in tests). */
export const DEFAULT_SIZE: HistoryChart.ISize = { width: 640, height: 320 };

/** The shortest time span drawn, so that the first samples fill in from the left. */
export const MIN_SPAN = 5 * 60 * 1000;

/** One plot of the stack: the series that share a unit. */
export type FacetKey =
  'power' | 'co2' | 'cores' | 'memory' | 'gpuUtil' | 'gpuMemory';

/** The plots, top to bottom, and the series each one draws. */
export const FACETS: readonly {
  readonly key: FacetKey;
  readonly series: readonly SeriesKey[];
}[] = [
  { key: 'power', series: ['cpu', 'gpu'] },
  { key: 'co2', series: ['co2'] },
  { key: 'cores', series: ['cores'] },
  { key: 'memory', series: ['memory'] },
  { key: 'gpuUtil', series: ['gpuUtil'] },
  { key: 'gpuMemory', series: ['gpuMemory'] }
];

/** The series' name, as the legend and the summary read it. */
export function seriesLabel(key: SeriesKey, trans: TranslationBundle): string {
  switch (key) {
    case 'cpu':
      return trans.__('CPU power');
    case 'gpu':
      return trans.__('GPU power');
    case 'co2':
      return trans.__('CO2 emitted');
    case 'cores':
      return trans.__('CPU cores');
    case 'memory':
      return trans.__('Memory');
    case 'gpuUtil':
      return trans.__('GPU utilisation');
    case 'gpuMemory':
      return trans.__('GPU memory');
  }
}

/**
 * The latest value of a series in its unit, against its limit where it has
 * one: "45 W", "12.3 g", "3.2 / 8 cores", "1.2 / 5.0 GB", "55%".
 */
export function formatValue(
  key: SeriesKey,
  point: IHistoryPoint,
  trans: TranslationBundle
): string {
  const value = point[key]!;
  switch (key) {
    case 'co2':
      return formatGrams(value);
    case 'cores':
      return trans.__('%1 cores', formatCpuUsage(value, point.coresLimit));
    case 'memory':
      return formatUsage(value, point.memoryLimit);
    case 'gpuUtil':
      return `${Math.round(value)}%`;
    case 'gpuMemory':
      return formatBytes(value);
    default:
      return formatWatts(value);
  }
}

/** The last point that has a value of `key`, or null when none has. */
export function latestPoint(
  points: readonly IHistoryPoint[],
  key: ValueKey
): IHistoryPoint | null {
  for (let i = points.length - 1; i >= 0; i--) {
    if (points[i][key] !== null) {
      return points[i];
    }
  }
  return null;
}

/** The chart in words, for screen readers: what it covers and its latest values. */
export function describeHistory(
  points: readonly IHistoryPoint[],
  trans: TranslationBundle,
  shown: readonly SeriesKey[] = SERIES
): string {
  if (!points.length) {
    return trans.__('Usage history: no samples yet.');
  }
  const first = points[0].time;
  const latest = shown
    .map(key => [key, latestPoint(points, key)] as const)
    .filter(([, point]) => point !== null)
    .map(([key, point]) =>
      trans.__(
        '%1 %2',
        seriesLabel(key, trans),
        formatValue(key, point!, trans)
      )
    );
  const head = trans._n(
    'Usage history, %1 sample since %2.',
    'Usage history, %1 samples since %2.',
    points.length,
    formatSince(first, points[points.length - 1].time)
  );
  return latest.length
    ? `${head} ${trans.__('Latest: %1.', latest.join(', '))}`
    : head;
}

/** The top and bottom of each of `count` plots stacked in a chart `height` high. */
export function facetLayout(
  height: number,
  count: number
): { top: number; bottom: number }[] {
  const room = height - MARGIN.top - MARGIN.bottom - (count - 1) * FACET_GAP;
  const each = Math.max(MIN_FACET_HEIGHT, room / count);
  return Array.from({ length: count }, (_, i) => {
    const top = MARGIN.top + i * (each + FACET_GAP);
    return { top, bottom: top + each };
  });
}

/**
 * The chart: one plot per unit (watts, grams of CO2, cores, bytes, percent),
 * stacked and sharing the time axis, for the series shown that have
 * readings. Colours come from the theme through `style/history.css`.
 */
export function HistoryChart(props: HistoryChart.IProps): JSX.Element {
  const { points, trans } = props;
  const shown = props.shown ?? SERIES;
  if (!points.length) {
    return (
      <div className="jp-hpc-History-empty">
        {trans.__('No samples yet: the server samples every few seconds.')}
      </div>
    );
  }
  const drawn = shown.filter(key => hasSeries(points, key));
  const facets = FACETS.map(facet => ({
    key: facet.key,
    series: facet.series.filter(key => drawn.includes(key))
  })).filter(facet => facet.series.length);
  if (!facets.length) {
    return (
      <div className="jp-hpc-History-empty">
        {shown.length
          ? trans.__(
              'None of the series shown has readings here: choose another one above.'
            )
          : trans.__('No series shown: choose one above.')}
      </div>
    );
  }
  const width = Math.max(props.width, MARGIN.left + MARGIN.right + 40);
  const frames = facetLayout(props.height, facets.length);
  const height = Math.max(
    props.height,
    frames[frames.length - 1].bottom + MARGIN.bottom
  );
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = frames[frames.length - 1].bottom;

  const start = points[0].time;
  const end = Math.max(points[points.length - 1].time, start + MIN_SPAN);
  const x = linearScale([start, end], [left, right]);
  const times = timeTicks(start, end);
  const byDay = times.length > 1 && times[1] - times[0] >= DAY;
  const maxGap = gapThreshold(points);

  return (
    <svg
      className="jp-hpc-History-chart"
      role="img"
      aria-label={describeHistory(points, trans, drawn)}
      tabIndex={0}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
    >
      <g className="jp-hpc-History-grid jp-mod-time" aria-hidden="true">
        {times.map(time => (
          <line
            key={time}
            x1={px(x(time))}
            x2={px(x(time))}
            y1={top}
            y2={bottom}
          />
        ))}
      </g>
      {facets.map((facet, i) => (
        <Private.Facet
          key={facet.key}
          facet={facet.key}
          series={facet.series}
          points={points}
          x={x}
          left={left}
          right={right}
          top={frames[i].top}
          bottom={frames[i].bottom}
          maxGap={maxGap}
          trans={trans}
        />
      ))}
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
    /** The series the user shows (default: every one). */
    shown?: readonly SeriesKey[];
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
  // Each plot keeps a readable height: more plots make the panel scroll.
  const facets = FACETS.filter(facet =>
    facet.series.some(
      key =>
        (props.shown ?? SERIES).includes(key) && hasSeries(props.points, key)
    )
  ).length;
  const minHeight =
    MARGIN.top +
    MARGIN.bottom +
    facets * MIN_FACET_HEIGHT +
    Math.max(0, facets - 1) * FACET_GAP;
  return (
    <div ref={ref} className="jp-hpc-History-plot" style={{ minHeight }}>
      <HistoryChart {...props} {...(measured ? size : DEFAULT_SIZE)} />
    </div>
  );
}

namespace Private {
  /** Binary units, as the memory meter writes them. */
  const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

  /** A vertical axis: round ticks in its unit, and where values go. */
  export interface IAxis extends ITicks {
    /** "W", "kW", "g", "kg", "cores", "GB", "%"... */
    unit: string;
    /** The pixel height of a tick, in the axis unit. */
    y: (tick: number) => number;
    /** The pixel height of a value, in the series' own unit. */
    value: (value: number) => number;
  }

  /** The plot title, its unit in parentheses: "CPU (cores)". */
  export function title(
    facet: FacetKey,
    unit: string,
    trans: TranslationBundle
  ): string {
    switch (facet) {
      case 'power':
        return trans.__('Power (%1)', unit);
      case 'co2':
        return trans.__('CO2 (%1)', unit);
      case 'cores':
        return trans.__('CPU (%1)', unit);
      case 'memory':
        return trans.__('Memory (%1)', unit);
      case 'gpuUtil':
        return trans.__('GPU utilisation (%1)', unit);
      case 'gpuMemory':
        return trans.__('GPU memory (%1)', unit);
    }
  }

  /**
   * The axis of one plot: power, cores and bytes from zero, since they are
   * read against nothing, up to the limit where there is one; CO2, a counter
   * that only grows, over its range in the window, so that its growth shows;
   * utilisation from 0 to 100 %.
   */
  export function axis(
    facet: FacetKey,
    points: readonly IHistoryPoint[],
    keys: readonly ValueKey[],
    bottom: number,
    top: number,
    trans: TranslationBundle
  ): IAxis {
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
    let unit: string;
    let factor = 1;
    switch (facet) {
      case 'co2':
        [unit, factor] = high >= 1000 ? ['kg', 1000] : ['g', 1];
        break;
      case 'power':
        [unit, factor] = high >= 10000 ? ['kW', 1000] : ['W', 1];
        break;
      case 'cores':
        unit = trans.__('cores');
        break;
      case 'gpuUtil':
        unit = '%';
        high = Math.max(high, 100);
        break;
      default: {
        const exponent = unitExponent(high);
        factor = 1024 ** exponent;
        unit = BYTE_UNITS[exponent];
      }
    }
    const count = Math.max(2, Math.min(5, Math.floor((bottom - top) / 24)));
    const ticks = niceTicks(
      facet === 'co2' ? Math.max(0, low / factor) : 0,
      Math.max(0, high / factor),
      count
    );
    const y = linearScale([ticks.min, ticks.max], [bottom, top]);
    return { ...ticks, unit, y, value: value => y(value / factor) };
  }

  /** The properties of one plot of the stack. */
  export interface IFacetProps {
    facet: FacetKey;
    series: readonly SeriesKey[];
    points: readonly IHistoryPoint[];
    x: (time: number) => number;
    left: number;
    right: number;
    top: number;
    bottom: number;
    maxGap: number;
    trans: TranslationBundle;
  }

  /** One plot: its title and unit, its grid, its lines and their limits, named after their last point. */
  export function Facet(props: IFacetProps): JSX.Element {
    const { facet, series, points, x, left, right, top, bottom, maxGap } =
      props;
    const trans = props.trans;
    const limits = series
      .map(key => [key, LIMITS[key]] as const)
      .filter(
        (entry): entry is readonly [SeriesKey, ValueKey] =>
          entry[1] !== undefined && hasSeries(points, entry[1])
      );
    const axis = Private.axis(
      facet,
      points,
      [...series, ...limits.map(([, limit]) => limit)],
      bottom,
      top,
      trans
    );
    return (
      <g className={`jp-hpc-History-facet jp-mod-${facet}`}>
        <g className="jp-hpc-History-grid" aria-hidden="true">
          {axis.ticks.map(tick => (
            <line
              key={tick}
              x1={left}
              x2={right}
              y1={px(axis.y(tick))}
              y2={px(axis.y(tick))}
            />
          ))}
        </g>
        <g className="jp-hpc-History-axis jp-mod-left" aria-hidden="true">
          <text
            className="jp-hpc-History-unit"
            x={left - MARGIN.left + 4}
            y={top - 12}
          >
            {title(facet, axis.unit, trans)}
          </text>
          {axis.ticks.map(tick => (
            <text key={tick} x={left - 6} y={px(axis.y(tick))} dy="0.32em">
              {formatTick(tick, axis.step)}
            </text>
          ))}
        </g>
        {series.includes('co2') && (
          <path
            className="jp-hpc-History-area jp-hpc-History-area-co2 jp-mod-co2"
            d={areaPath(
              runs(points, 'co2', maxGap),
              'co2',
              x,
              axis.value,
              bottom
            )}
          />
        )}
        {limits.map(([key, limit]) => {
          const latest = latestPoint(points, limit)!;
          return (
            <g key={limit} className="jp-hpc-History-limits">
              <path
                className={`jp-hpc-History-limit jp-hpc-History-limit-${key} jp-mod-${key}`}
                d={linePath(runs(points, limit, maxGap), limit, x, axis.value)}
              />
              <text
                className="jp-hpc-History-limitLabel"
                x={px(x(latest.time) + 4)}
                y={px(axis.value(latest[limit]!))}
                dy="0.32em"
                aria-hidden="true"
              >
                {key === 'cores'
                  ? trans.__('limit %1', formatCores(latest[limit]!))
                  : trans.__('limit')}
              </text>
            </g>
          );
        })}
        {series.map(key => (
          <path
            key={key}
            className={`jp-hpc-History-line jp-hpc-History-line-${key} jp-mod-${key}`}
            d={linePath(runs(points, key, maxGap), key, x, axis.value)}
          />
        ))}
      </g>
    );
  }
}

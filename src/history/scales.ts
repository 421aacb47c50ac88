/** The geometry of the history chart: scales, ticks and SVG paths. */
import { IHistoryPoint, ValueKey } from './model';

/** A linear map from a domain of values to a range of pixels. */
export function linearScale(
  domain: [number, number],
  range: [number, number]
): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const ratio = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return value => r0 + (value - d0) * ratio;
}

/** Round ticks around `[low, high]` and the domain they span. */
export interface ITicks {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/** About `count` round ticks (1, 2 or 5 times a power of ten) covering the values. */
export function niceTicks(low: number, high: number, count = 5): ITicks {
  if (!(high > low)) {
    // One value: centre it, or start at zero when it is zero.
    const pad = Math.abs(low) / 10 || 1;
    [low, high] = low === 0 ? [0, 1] : [low - pad, high + pad];
  }
  const raw = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const step =
    magnitude * (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1);
  const first = Math.floor(low / step);
  const last = Math.ceil(high / step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) {
    ticks.push(Number((i * step).toFixed(decimals)));
  }
  return { min: ticks[0], max: ticks[ticks.length - 1], step, ticks };
}

/** Tick times between `start` and `end`: 4 to 6 whole minutes, hours or days. */
export function timeTicks(start: number, end: number): number[] {
  let best: number[] = [];
  for (const step of Private.TIME_STEPS) {
    const ticks = Private.stepTicks(start, end, step);
    if (ticks.length >= 4 && ticks.length <= 6) {
      return ticks;
    }
    // A few odd spans fit no step: take the nearest count.
    if (
      !best.length ||
      Math.abs(ticks.length - 5) < Math.abs(best.length - 5)
    ) {
      best = ticks;
    }
  }
  return best;
}

/**
 * The longest time between two samples still joined by a line: longer
 * silences (a stopped server) show as gaps, as missing values do.
 */
export function gapThreshold(points: readonly IHistoryPoint[]): number {
  const deltas: number[] = [];
  for (let i = 1; i < points.length; i++) {
    deltas.push(points[i].time - points[i - 1].time);
  }
  deltas.sort((a, b) => a - b);
  const median = deltas.length ? deltas[Math.floor(deltas.length / 2)] : 0;
  return Math.max(60 * 1000, 5 * median);
}

/** The runs of consecutive points that have a value of `key`. */
export function runs(
  points: readonly IHistoryPoint[],
  key: ValueKey,
  maxGap = gapThreshold(points)
): IHistoryPoint[][] {
  const result: IHistoryPoint[][] = [];
  let run: IHistoryPoint[] = [];
  let previous: IHistoryPoint | null = null;
  for (const point of points) {
    const broken = previous !== null && point.time - previous.time > maxGap;
    if (point[key] === null || broken) {
      if (run.length) {
        result.push(run);
      }
      run = [];
    }
    if (point[key] !== null) {
      run.push(point);
    }
    previous = point;
  }
  if (run.length) {
    result.push(run);
  }
  return result;
}

/** An SVG path through the runs, one subpath each, so that gaps stay blank. */
export function linePath(
  series: IHistoryPoint[][],
  key: ValueKey,
  x: (time: number) => number,
  y: (value: number) => number
): string {
  return series
    .map(run => {
      const [head, ...tail] = run.map(
        point => `${px(x(point.time))},${px(y(point[key]!))}`
      );
      // A lone point still shows, as a dot of the line's round cap.
      return tail.length ? `M${head}L${tail.join('L')}` : `M${head}h0`;
    })
    .join('');
}

/** An SVG path filling under each run down to `base`. */
export function areaPath(
  series: IHistoryPoint[][],
  key: ValueKey,
  x: (time: number) => number,
  y: (value: number) => number,
  base: number
): string {
  return series
    .filter(run => run.length > 1)
    .map(run => {
      const first = px(x(run[0].time));
      const last = px(x(run[run.length - 1].time));
      const line = run
        .map(point => `${px(x(point.time))},${px(y(point[key]!))}`)
        .join('L');
      return `M${first},${px(base)}L${line}L${last},${px(base)}Z`;
    })
    .join('');
}

/** A day in milliseconds. */
export const DAY = 24 * 60 * 60 * 1000;

/** A pixel coordinate, rounded to keep paths short. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

namespace Private {
  /** Tick steps of the time axis, close enough that 4 to 6 ticks fit most spans. */
  export const TIME_STEPS = [
    1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 40, 60, 90, 120, 180, 240, 360, 480,
    720, 1440, 2880, 4320, 10080
  ].map(minutes => minutes * 60 * 1000);

  /** The multiples of `step` between `start` and `end`, on the local clock. */
  export function stepTicks(
    start: number,
    end: number,
    step: number
  ): number[] {
    // Whole hours and days are local ones (a timezone may be off by 30 min).
    const offset = new Date(start).getTimezoneOffset() * 60000;
    const ticks: number[] = [];
    for (
      let time = Math.ceil((start - offset) / step) * step + offset;
      time <= end;
      time += step
    ) {
      ticks.push(time);
    }
    return ticks;
  }
}

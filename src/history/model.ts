import { VDomModel } from '@jupyterlab/ui-components';

import { IHPCClient } from '../api/client';
import { IHistorySample, IMetrics } from '../api/types';
import { IMetricsModel } from '../metrics/tokens';

/** The most points kept: about 14 hours of the server's 5 s samples. */
export const MAX_POINTS = 10000;

/**
 * A series of the history the user can show: CPU and GPU watts, cumulative
 * grams of CO2, cores busy, memory in use, the GPUs' mean utilisation and
 * their memory in use.
 */
export type SeriesKey =
  'cpu' | 'gpu' | 'co2' | 'cores' | 'memory' | 'gpuUtil' | 'gpuMemory';

/** Every series, in the order they are listed. */
export const SERIES: readonly SeriesKey[] = [
  'cpu',
  'gpu',
  'co2',
  'cores',
  'memory',
  'gpuUtil',
  'gpuMemory'
];

/** A value of a point: a series, or the limit a series is drawn against. */
export type ValueKey = SeriesKey | 'coresLimit' | 'memoryLimit';

/** The limit each series is drawn against, where it has one. */
export const LIMITS: { readonly [key in SeriesKey]?: ValueKey } = {
  cores: 'coresLimit',
  memory: 'memoryLimit'
};

/** One point of the history; null where the server measured nothing. */
export interface IHistoryPoint {
  /** When the sample was taken, in milliseconds since the epoch. */
  readonly time: number;
  /** This server's CPU power in watts. */
  readonly cpu: number | null;
  /** The job's GPU power in watts. */
  readonly gpu: number | null;
  /** Grams of CO2-equivalent emitted since the server started counting. */
  readonly co2: number | null;
  /** Cores busy on average since the previous sample. */
  readonly cores: number | null;
  /** The cores the job may use. */
  readonly coresLimit: number | null;
  /** Memory in use, in bytes. */
  readonly memory: number | null;
  /** The memory limit, in bytes. */
  readonly memoryLimit: number | null;
  /** The mean utilisation of the job's GPUs, in percent. */
  readonly gpuUtil: number | null;
  /** Memory in use on the job's GPUs, summed, in bytes. */
  readonly gpuMemory: number | null;
}

/**
 * The power and CO2 history: the server's history loaded once, then one
 * point per new snapshot of the shared metrics poll, so that an open panel
 * adds no request of its own.
 */
export class HistoryModel extends VDomModel {
  constructor(options: HistoryModel.IOptions) {
    super();
    this._client = options.client;
    this._metrics = options.metrics;
    this._maxPoints = Math.max(1, options.maxPoints ?? MAX_POINTS);
    this._metrics.changed.connect(this._onMetricsChanged, this);
    // The page has usually polled before the panel opens.
    this._append(this._metrics.metrics);
  }

  /** The points, oldest first; a new array whenever they change. */
  get points(): readonly IHistoryPoint[] {
    return this._points;
  }

  /** Whether the server's history is being requested. */
  get loading(): boolean {
    return this._loading;
  }

  /** Whether the server's history has been loaded once. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Why the last load failed (an `HPCRequestError` from the client), or null. */
  get error(): Error | null {
    return this._error;
  }

  /** The most points kept; older ones are dropped first. */
  get maxPoints(): number {
    return this._maxPoints;
  }

  /**
   * Why the server does not measure the section of `key`, from its latest
   * snapshot, or null when it does not say.
   */
  reason(key: SeriesKey): string | null {
    const metrics = this._metrics.metrics;
    if (!metrics) {
      return null;
    }
    const section = {
      cpu: metrics.cpu_power,
      gpu: metrics.gpu_power,
      co2: metrics.emissions,
      cores: metrics.cpu,
      memory: metrics.memory,
      gpuUtil: metrics.gpu_power,
      gpuMemory: metrics.gpu_power
    }[key];
    return section && !section.available ? section.reason || null : null;
  }

  /**
   * Request the server's whole history and merge it with the points seen
   * since; a call while a request is under way joins it. Never rejects: a
   * failure is kept in `error`.
   */
  load(): Promise<void> {
    if (!this._loading) {
      this._loading = true;
      this._error = null;
      this.stateChanged.emit();
      this._request = this._load();
    }
    return this._request;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._metrics.changed.disconnect(this._onMetricsChanged, this);
    super.dispose();
  }

  private async _load(): Promise<void> {
    try {
      const { samples } = await this._client.history();
      if (!this.isDisposed) {
        this._merge(samples.map(Private.fromSample));
        this._loaded = true;
      }
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
    }
    this._loading = false;
    if (!this.isDisposed) {
      this.stateChanged.emit();
    }
  }

  private _onMetricsChanged(): void {
    if (this._append(this._metrics.metrics)) {
      this.stateChanged.emit();
    }
  }

  /** Add the snapshot when it is newer than the last point; whether it was. */
  private _append(metrics: IMetrics | null): boolean {
    if (!metrics) {
      return false;
    }
    const point = Private.fromMetrics(metrics);
    const last = this._points[this._points.length - 1];
    // A failed poll leaves the old snapshot in place: same time, no point.
    if (!Number.isFinite(point.time) || (last && point.time <= last.time)) {
      return false;
    }
    this._points = Private.trim(this._points.concat(point), this._maxPoints);
    return true;
  }

  /** The server's history, then the live points that are newer than it. */
  private _merge(history: IHistoryPoint[]): void {
    const sorted = history
      .filter(point => Number.isFinite(point.time))
      .sort((a, b) => a.time - b.time);
    const end = sorted.length ? sorted[sorted.length - 1].time : -Infinity;
    const live = this._points.filter(point => point.time > end);
    this._points = Private.trim(sorted.concat(live), this._maxPoints);
  }

  private _client: IHPCClient;
  private _metrics: IMetricsModel;
  private _maxPoints: number;
  private _points: readonly IHistoryPoint[] = [];
  private _loading = false;
  private _loaded = false;
  private _error: Error | null = null;
  private _request: Promise<void> = Promise.resolve();
}

/** A namespace for `HistoryModel` statics. */
export namespace HistoryModel {
  /** The options of the history model. */
  export interface IOptions {
    /** The API client, for the one history request. */
    client: IHPCClient;
    /** The shared metrics poll, for the points that follow. */
    metrics: IMetricsModel;
    /** The most points kept (default 10 000). */
    maxPoints?: number;
  }
}

/** Whether any point has a value of `key`: a series without one is not shown. */
export function hasSeries(
  points: readonly IHistoryPoint[],
  key: ValueKey
): boolean {
  return points.some(point => point[key] !== null);
}

/** The last value of `key`, or null when there is none. */
export function latestValue(
  points: readonly IHistoryPoint[],
  key: ValueKey
): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const value = points[i][key];
    if (value !== null) {
      return value;
    }
  }
  return null;
}

namespace Private {
  /** A point from a sample of `GET metrics/history`. */
  export function fromSample(sample: IHistorySample): IHistoryPoint {
    return {
      time: Date.parse(sample.time),
      cpu: finite(sample.cpu_watts),
      gpu: finite(sample.gpu_watts),
      co2: finite(sample.co2_g),
      cores: finite(sample.cpu_used_cores),
      coresLimit: finite(sample.cpu_limit_cores),
      memory: finite(sample.memory_used_bytes),
      memoryLimit: finite(sample.memory_limit_bytes),
      gpuUtil: finite(sample.gpu_utilization_percent),
      gpuMemory: finite(sample.gpu_memory_used_bytes)
    };
  }

  /** A point from a snapshot of `GET metrics`, as the server samples it. */
  export function fromMetrics(metrics: IMetrics): IHistoryPoint {
    const { cpu_power, gpu_power, emissions, memory, cpu } = metrics;
    // The job's GPUs as the server's history keeps them: the mean
    // utilisation, the memory summed (see the sampler's _gpu_use).
    const devices = gpu_power.available ? (gpu_power.devices ?? []) : [];
    const utilisation = numbers(devices.map(d => d.utilization_percent));
    const gpuMemory = numbers(devices.map(d => d.memory_used_bytes));
    return {
      time: Date.parse(metrics.time),
      cpu: cpu_power.available ? finite(cpu_power.watts) : null,
      gpu: gpu_power.available ? finite(gpu_power.watts) : null,
      co2: emissions.available ? finite(emissions.co2_g) : null,
      cores: cpu?.available ? finite(cpu.used_cores) : null,
      coresLimit: cpu?.available ? finite(cpu.limit_cores) : null,
      memory: memory.available ? finite(memory.used_bytes) : null,
      memoryLimit: memory.available ? finite(memory.limit_bytes) : null,
      gpuUtil: utilisation.length
        ? utilisation.reduce((a, b) => a + b, 0) / utilisation.length
        : null,
      gpuMemory: gpuMemory.length ? gpuMemory.reduce((a, b) => a + b, 0) : null
    };
  }

  /** The values that are numbers the chart can draw. */
  export function numbers(values: (number | null | undefined)[]): number[] {
    return values.filter((value): value is number => finite(value) !== null);
  }

  /** The value when it is a number the chart can draw, else null. */
  export function finite(value: number | null | undefined): number | null {
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  /** The newest `max` points. */
  export function trim(
    points: readonly IHistoryPoint[],
    max: number
  ): readonly IHistoryPoint[] {
    return points.length > max ? points.slice(points.length - max) : points;
  }
}

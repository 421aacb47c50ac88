import { VDomModel } from '@jupyterlab/ui-components';

import { IMemoryReading } from '../api/types';
import { IMetricsModel } from '../metrics/tokens';

/** The default fraction of the limit above which the meter warns. */
export const DEFAULT_WARN_FRACTION = 0.8;

/** What the memory meter shows, derived from the shared metrics model. */
export class MemoryMeterModel extends VDomModel {
  constructor(options: MemoryMeterModel.IOptions) {
    super();
    this._metrics = options.metrics;
    this._warnFraction = options.warnFraction ?? DEFAULT_WARN_FRACTION;
    this._metrics.changed.connect(this._onMetricsChanged, this);
  }

  /** The memory reading, or null when none could be had. */
  get reading(): IMemoryReading | null {
    const memory = this._metrics.metrics?.memory ?? null;
    return memory && memory.available && memory.used_bytes !== null
      ? memory
      : null;
  }

  /** Whether the meter has something to show; it hides itself otherwise. */
  get available(): boolean {
    return this.reading !== null;
  }

  /** Whether the reading shown is older than the last (failed) poll. */
  get stale(): boolean {
    return this._metrics.stale;
  }

  /** The error of the last poll, if it failed. */
  get error(): Error | null {
    return this._metrics.error;
  }

  /** When the reading was taken by the server. */
  get time(): string | null {
    return this._metrics.metrics?.time ?? null;
  }

  /** Used / limit, between 0 and 1 (or more), or null without a limit. */
  get fraction(): number | null {
    const reading = this.reading;
    if (!reading || !reading.limit_bytes) {
      return null;
    }
    return (reading.used_bytes ?? 0) / reading.limit_bytes;
  }

  /** Whether usage is above the warning fraction of the limit. */
  get warn(): boolean {
    const fraction = this.fraction;
    return fraction !== null && fraction >= this._warnFraction;
  }

  /** The fraction of the limit above which the meter warns. */
  get warnFraction(): number {
    return this._warnFraction;
  }
  set warnFraction(value: number) {
    if (!Number.isFinite(value) || value === this._warnFraction) {
      return;
    }
    this._warnFraction = Math.min(1, Math.max(0, value));
    this.stateChanged.emit();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._metrics.changed.disconnect(this._onMetricsChanged, this);
    super.dispose();
  }

  private _onMetricsChanged(): void {
    this.stateChanged.emit();
  }

  private _metrics: IMetricsModel;
  private _warnFraction: number;
}

/** A namespace for `MemoryMeterModel` statics. */
export namespace MemoryMeterModel {
  /** The options of the memory meter model. */
  export interface IOptions {
    /** The shared metrics model. */
    metrics: IMetricsModel;
    /** The fraction of the limit above which to warn (default 0.8). */
    warnFraction?: number;
  }
}

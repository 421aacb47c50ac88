import { ICpuReading } from '../api/types';
import { SectionMeterModel } from '../meters/model';

/** The default fraction of the limit below which the cores count as idle. */
export const DEFAULT_IDLE_FRACTION = 0.25;

/** The default minutes of idle samples before the meter warns. */
export const DEFAULT_IDLE_MINUTES = 10;

/**
 * What the CPU meter shows, derived from the shared metrics model.
 *
 * Unlike memory, the CPU meter warns about too little use: when every
 * sample for `idleMinutes` (by the server's clock) shows the job using less
 * than `idleFraction` of the cores it holds.
 */
export class CpuMeterModel extends SectionMeterModel<ICpuReading> {
  constructor(options: CpuMeterModel.IOptions) {
    super(options);
    this._idleFraction = options.idleFraction ?? DEFAULT_IDLE_FRACTION;
    this._idleMinutes = options.idleMinutes ?? DEFAULT_IDLE_MINUTES;
    this.metrics.changed.connect(this._onSample, this);
    this._onSample();
  }

  /** The CPU reading, or null when there is none (the meter hides). */
  get reading(): ICpuReading | null {
    const cpu = this.snapshot?.cpu ?? null;
    return cpu && cpu.available ? cpu : null;
  }

  /** Used / limit, or null before the first measure or without a limit. */
  get fraction(): number | null {
    const reading = this.reading;
    if (!reading || reading.used_cores === null || !reading.limit_cores) {
      return null;
    }
    return reading.used_cores / reading.limit_cores;
  }

  /** Milliseconds the samples have shown the cores idle, or null when busy. */
  get idleMs(): number | null {
    return this._idleSince === null || this._lastTime === null
      ? null
      : this._lastTime - this._idleSince;
  }

  /** Whether the cores have sat idle for longer than `idleMinutes`. */
  get warn(): boolean {
    const idle = this.idleMs;
    return idle !== null && idle >= this._idleMinutes * 60_000;
  }

  /** The fraction of the limit below which the cores count as idle. */
  get idleFraction(): number {
    return this._idleFraction;
  }
  set idleFraction(value: number) {
    if (!Number.isFinite(value) || value === this._idleFraction) {
      return;
    }
    this._idleFraction = Math.min(1, Math.max(0, value));
    // Samples judged against the old threshold no longer count.
    this._idleSince = null;
    this.stateChanged.emit();
  }

  /** The minutes of idle samples before the meter warns. */
  get idleMinutes(): number {
    return this._idleMinutes;
  }
  set idleMinutes(value: number) {
    if (!Number.isFinite(value) || value === this._idleMinutes) {
      return;
    }
    this._idleMinutes = Math.max(0, value);
    this.stateChanged.emit();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.metrics.changed.disconnect(this._onSample, this);
    super.dispose();
  }

  /** Extend or end the run of idle samples with a new snapshot. */
  private _onSample(): void {
    const time = this.time === null ? NaN : Date.parse(this.time);
    if (Number.isNaN(time) || time === this._lastTime) {
      // No snapshot yet, or the same one again (a failed poll).
      return;
    }
    this._lastTime = time;
    const fraction = this.fraction;
    if (fraction === null || fraction >= this._idleFraction) {
      this._idleSince = null;
    } else if (this._idleSince === null) {
      this._idleSince = time;
    }
  }

  private _idleFraction: number;
  private _idleMinutes: number;
  private _idleSince: number | null = null;
  private _lastTime: number | null = null;
}

/** A namespace for `CpuMeterModel` statics. */
export namespace CpuMeterModel {
  /** The options of the CPU meter model. */
  export interface IOptions extends SectionMeterModel.IOptions {
    /** The fraction of the limit below which the cores are idle (default 0.25). */
    idleFraction?: number;
    /** The minutes of idle samples before the meter warns (default 10). */
    idleMinutes?: number;
  }
}

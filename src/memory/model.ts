import { IMemoryReading } from '../api/types';
import { SectionMeterModel } from '../meters/model';

/** The default fraction of the limit above which the meter warns. */
export const DEFAULT_WARN_FRACTION = 0.8;

/** What the memory meter shows, derived from the shared metrics model. */
export class MemoryMeterModel extends SectionMeterModel<IMemoryReading> {
  constructor(options: MemoryMeterModel.IOptions) {
    super(options);
    this._warnFraction = options.warnFraction ?? DEFAULT_WARN_FRACTION;
  }

  /** The memory reading, or null when none could be had. */
  get reading(): IMemoryReading | null {
    const memory = this.snapshot?.memory ?? null;
    return memory && memory.available && memory.used_bytes !== null
      ? memory
      : null;
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

  private _warnFraction: number;
}

/** A namespace for `MemoryMeterModel` statics. */
export namespace MemoryMeterModel {
  /** The options of the memory meter model. */
  export interface IOptions extends SectionMeterModel.IOptions {
    /** The fraction of the limit above which to warn (default 0.8). */
    warnFraction?: number;
  }
}

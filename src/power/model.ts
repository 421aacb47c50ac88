import { ICpuPowerReading, IGpuDevice, IGpuPowerReading } from '../api/types';
import { SectionMeterModel } from '../meters/model';

/** The fraction of the power limit above which a power meter warns. */
export const POWER_WARN_FRACTION = 0.9;

/**
 * The mean utilisation (percent) of the GPUs that report one, or null when
 * none does.
 */
export function meanUtilization(devices: IGpuDevice[]): number | null {
  const busy = devices
    .map(device => device.utilization_percent)
    .filter((percent): percent is number => percent !== null);
  return busy.length
    ? busy.reduce((sum, percent) => sum + percent, 0) / busy.length
    : null;
}

/** A power meter's view model, over `cpu_power` or `gpu_power`. */
export class PowerMeterModel<
  T extends ICpuPowerReading | IGpuPowerReading
> extends SectionMeterModel<T> {
  constructor(options: PowerMeterModel.IOptions) {
    super(options);
    this.section = options.section;
  }

  /** Which section of the snapshot this meter shows. */
  readonly section: 'cpu_power' | 'gpu_power';

  /** The reading when the server measures this power, else null. */
  get reading(): T | null {
    const reading = this.snapshot?.[this.section] as T | undefined;
    return reading && reading.available ? reading : null;
  }

  /** Watts / limit, or null without a limit or a value. */
  get fraction(): number | null {
    const reading = this.reading;
    if (!reading || reading.watts === null || !reading.limit_watts) {
      return null;
    }
    return reading.watts / reading.limit_watts;
  }

  /** Whether the power is close to its limit (the hardware throttles there). */
  get warn(): boolean {
    const fraction = this.fraction;
    return fraction !== null && fraction >= POWER_WARN_FRACTION;
  }
}

/** A namespace for `PowerMeterModel` statics. */
export namespace PowerMeterModel {
  /** The options of a power meter model. */
  export interface IOptions extends SectionMeterModel.IOptions {
    /** Which section of the snapshot to show. */
    section: 'cpu_power' | 'gpu_power';
  }
}

import { IEmissionsReading } from '../api/types';
import { SectionMeterModel } from '../meters/model';

/** The CO2 meter's view model, over the `emissions` section. */
export class EmissionsMeterModel extends SectionMeterModel<IEmissionsReading> {
  /** The estimate when the server has one, else null. */
  get reading(): IEmissionsReading | null {
    const reading = this.snapshot?.emissions;
    return reading && reading.available && reading.co2_g !== null
      ? reading
      : null;
  }

  /** Whether the factor is not a fresh live one (stale or a static estimate). */
  get approximate(): boolean {
    const status = this.reading?.factor_status;
    return status === 'stale' || status === 'estimated';
  }
}

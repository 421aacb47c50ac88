import { IEmissionsReading } from '../api/types';
import { IMeterContent, Meter } from '../meters/widget';
import { formatEnergy, formatGrams } from './format';
import { EmissionsMeterModel } from './model';

/** "CO2 12.3 g": CO2-equivalent of this server's CPU and GPU energy so far. */
export class EmissionsMeter extends Meter<EmissionsMeterModel> {
  constructor(options: Meter.IOptions<EmissionsMeterModel>) {
    super(options);
    this.addClass('jp-hpc-EmissionsMeter');
  }

  protected describe(model: EmissionsMeterModel): IMeterContent | null {
    const reading = model.reading;
    if (!reading || reading.co2_g === null) {
      return null;
    }
    this.toggleClass('jp-mod-approximate', model.approximate);
    const value = formatGrams(reading.co2_g);
    return {
      label: this.trans.__('CO2'),
      value: model.approximate ? `≈${value}` : value,
      fraction: null,
      tooltip: this._tooltip(reading)
    };
  }

  private _tooltip(reading: IEmissionsReading): string {
    const trans = this.trans;
    const lines = [
      trans.__(
        'CO2-equivalent of the CPU and GPU energy of this server: %1',
        formatGrams(reading.co2_g ?? 0)
      ),
      trans.__(
        'Energy: %1 since %2',
        formatEnergy(reading.energy_wh ?? 0),
        Private.localTime(reading.since)
      )
    ];
    if (reading.factor_g_per_kwh !== null) {
      lines.push(
        trans.__(
          'Grid emission factor: %1 g/kWh from %2 (%3)',
          reading.factor_g_per_kwh.toFixed(0),
          reading.factor_source ?? '?',
          Private.localTime(reading.factor_time)
        )
      );
    }
    if (reading.factor_basis) {
      lines.push(trans.__('Basis: %1', reading.factor_basis));
    }
    if (reading.factor_status === 'stale') {
      lines.push(
        trans.__(
          'The provider cannot be reached: using its last factor, %1 old.',
          Private.age(reading.factor_age_s)
        )
      );
    } else if (reading.factor_status === 'estimated') {
      lines.push(
        trans.__('Estimated with an annual average factor: no live factor.')
      );
    }
    if (reading.reason) {
      lines.push(reading.reason);
    }
    lines.push(trans.__('Click for the power and CO2 history.'));
    return lines.join('\n');
  }
}

namespace Private {
  /** An ISO time as local date and time, or "?". */
  export function localTime(iso: string | null): string {
    if (!iso) {
      return '?';
    }
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  }

  /** Seconds as "42 min" or "3.5 h". */
  export function age(seconds: number | null | undefined): string {
    if (seconds === null || seconds === undefined) {
      return '?';
    }
    return seconds < 5400
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;
  }
}

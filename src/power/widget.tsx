import { ICpuPowerReading, IGpuPowerReading } from '../api/types';
import { formatUsage } from '../memory/format';
import { IMeterContent, Meter } from '../meters/widget';
import { formatPower, formatWatts } from './format';
import { meanUtilization, PowerMeterModel } from './model';

/** "CPU 45 / 120 W": this server's share of the CPU packages' power. */
export class CpuPowerMeter extends Meter<PowerMeterModel<ICpuPowerReading>> {
  constructor(options: Meter.IOptions<PowerMeterModel<ICpuPowerReading>>) {
    super(options);
    this.addClass('jp-hpc-CpuPowerMeter');
  }

  protected describe(
    model: PowerMeterModel<ICpuPowerReading>
  ): IMeterContent | null {
    const reading = model.reading;
    if (!reading) {
      return null;
    }
    const trans = this.trans;
    const lines: string[] = [];
    if (reading.watts === null) {
      lines.push(trans.__('CPU power: measuring (needs two samples)…'));
    } else if (reading.attribution === 'node') {
      lines.push(
        trans.__('CPU power of this node: %1', formatWatts(reading.watts))
      );
    } else {
      lines.push(
        trans.__(
          'CPU power of this server and its kernels: %1',
          formatWatts(reading.watts)
        )
      );
      if (reading.share !== null && reading.share !== undefined) {
        lines.push(
          trans.__(
            '%1% of the CPU capacity of the node, whose CPUs draw %2.',
            (reading.share * 100).toFixed(1),
            reading.node_watts === null || reading.node_watts === undefined
              ? '?'
              : formatWatts(reading.node_watts)
          )
        );
      }
    }
    if (reading.limit_watts) {
      lines.push(
        trans.__(
          "Limit: the CPU packages' long-term power limit, %1.",
          formatWatts(reading.limit_watts)
        )
      );
    }
    const zones = (reading.zones ?? [])
      .filter(zone => zone.watts !== null)
      .map(zone => `${zone.name} ${formatWatts(zone.watts as number)}`);
    if (zones.length) {
      lines.push(trans.__('RAPL zones: %1', zones.join(', ')));
    }
    lines.push(trans.__('Click for the power and CO2 history.'));
    return {
      label: trans.__('CPU'),
      value:
        reading.watts === null
          ? '…'
          : formatPower(reading.watts, reading.limit_watts),
      fraction: model.fraction,
      tooltip: lines.join('\n'),
      warn: model.warn
    };
  }
}

/** "GPU 250 / 700 W · 45%": the power and mean utilisation of this job's GPUs. */
export class GpuPowerMeter extends Meter<PowerMeterModel<IGpuPowerReading>> {
  constructor(options: Meter.IOptions<PowerMeterModel<IGpuPowerReading>>) {
    super(options);
    this.addClass('jp-hpc-GpuPowerMeter');
  }

  protected describe(
    model: PowerMeterModel<IGpuPowerReading>
  ): IMeterContent | null {
    const reading = model.reading;
    if (!reading) {
      return null;
    }
    const trans = this.trans;
    const busy = meanUtilization(reading.devices);
    const lines = [
      reading.watts === null
        ? trans.__('GPU power: measuring…')
        : trans.__(
            'GPU power of this job: %1 (%2 GPUs)',
            formatWatts(reading.watts),
            reading.devices.length
          )
    ];
    for (const device of reading.devices) {
      const parts = [
        device.watts === null ? '?' : formatWatts(device.watts),
        device.limit_watts === null
          ? null
          : trans.__('limit %1', formatWatts(device.limit_watts)),
        device.utilization_percent === null
          ? null
          : trans.__('%1% busy', device.utilization_percent.toFixed(0)),
        device.memory_used_bytes === null || device.memory_total_bytes === null
          ? null
          : formatUsage(device.memory_used_bytes, device.memory_total_bytes)
      ].filter(part => part !== null);
      lines.push(
        `GPU ${device.index}${device.name ? ` (${device.name})` : ''}: ${parts.join(', ')}`
      );
    }
    if (busy !== null) {
      lines.push(
        trans.__('Mean utilisation of these GPUs: %1%', busy.toFixed(0))
      );
    }
    lines.push(trans.__('Click for the power and CO2 history.'));
    const power =
      reading.watts === null
        ? '…'
        : formatPower(reading.watts, reading.limit_watts);
    return {
      label: trans.__('GPU'),
      value:
        busy === null ? power : trans.__('%1 · %2%', power, busy.toFixed(0)),
      fraction: model.fraction,
      tooltip: lines.join('\n'),
      warn: model.warn
    };
  }
}

import { TranslationBundle } from '@jupyterlab/translation';

import { IMemoryReading } from '../api/types';
import { IMeterContent, Meter } from '../meters/widget';
import { formatBytes, formatUsage } from './format';
import { MemoryMeterModel } from './model';

/** The memory meter: used against the job's limit, "Mem 1.2 / 5.0 GB". */
export class MemoryMeter extends Meter<MemoryMeterModel> {
  constructor(options: Meter.IOptions<MemoryMeterModel>) {
    super(options);
    this.addClass('jp-hpc-MemoryMeter');
  }

  protected describe(model: MemoryMeterModel): IMeterContent | null {
    const reading = model.reading;
    if (!reading) {
      return null;
    }
    const used = reading.used_bytes ?? 0;
    const fraction = model.fraction;
    return {
      label: this.trans.__('Mem'),
      value: formatUsage(used, reading.limit_bytes),
      fraction,
      tooltip: Private.tooltip(model, reading, this.trans),
      warn: model.warn,
      range:
        fraction !== null && reading.limit_bytes
          ? { now: used, max: reading.limit_bytes }
          : undefined
    };
  }
}

/** A namespace for `MemoryMeter` statics. */
export namespace MemoryMeter {
  /** The options of the memory meter. */
  export type IOptions = Meter.IOptions<MemoryMeterModel>;
}

namespace Private {
  /** The meter's tooltip: the figures, where the limit comes from, and trouble. */
  export function tooltip(
    model: MemoryMeterModel,
    reading: IMemoryReading,
    trans: TranslationBundle
  ): string {
    const used = formatBytes(reading.used_bytes ?? 0);
    const lines: string[] = [];
    if (reading.limit_bytes) {
      lines.push(
        trans.__(
          'Memory used: %1 of %2 (%3%)',
          used,
          formatBytes(reading.limit_bytes),
          ((model.fraction ?? 0) * 100).toFixed(0)
        )
      );
    } else {
      lines.push(trans.__('Memory used: %1', used));
    }
    lines.push(limitLine(reading, trans));
    if (reading.used_source === 'cgroup') {
      lines.push(
        trans.__('Used: all memory charged to the job, page cache included.')
      );
    } else if (reading.used_source === 'processes') {
      lines.push(
        trans.__(
          'Used: resident memory of this server and its kernels, terminals and apps.'
        )
      );
    }
    if (model.warn) {
      lines.push(
        trans.__(
          'Above %1% of the limit: the job may be stopped when it runs out of memory. Save your work or free memory.',
          (model.warnFraction * 100).toFixed(0)
        )
      );
    }
    return lines.join('\n');
  }

  /** Where the limit comes from, in words. */
  export function limitLine(
    reading: IMemoryReading,
    trans: TranslationBundle
  ): string {
    const detail = reading.limit_detail ?? '';
    switch (reading.limit_source) {
      case 'cgroup-v2':
      case 'cgroup-v1':
        return trans.__("Limit: the job's memory cgroup (%1).", detail);
      case 'slurm':
        return trans.__('Limit: the Slurm allocation (%1).', detail);
      case 'env':
        return trans.__('Limit: the MEM_LIMIT environment variable.');
      case 'host':
        return trans.__(
          'No job limit found: the limit shown is all the RAM of this node.'
        );
      default:
        return trans.__('No memory limit is known.');
    }
  }
}

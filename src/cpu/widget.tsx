import { TranslationBundle } from '@jupyterlab/translation';

import { ICpuReading } from '../api/types';
import { IMeterContent, Meter } from '../meters/widget';
import { formatCores, formatCpuUsage } from './format';
import { CpuMeterModel } from './model';

/** The CPU meter: cores busy against the job's cores, "CPU 3.2 / 8 cores". */
export class CpuMeter extends Meter<CpuMeterModel> {
  constructor(options: Meter.IOptions<CpuMeterModel>) {
    super(options);
    this.addClass('jp-hpc-CpuMeter');
  }

  protected describe(model: CpuMeterModel): IMeterContent | null {
    const reading = model.reading;
    if (!reading) {
      return null;
    }
    const fraction = model.fraction;
    return {
      label: this.trans.__('CPU'),
      value: this.trans.__(
        '%1 cores',
        formatCpuUsage(reading.used_cores, reading.limit_cores)
      ),
      fraction,
      tooltip: Private.tooltip(model, reading, this.trans),
      warn: model.warn,
      range:
        fraction !== null && reading.limit_cores
          ? { now: reading.used_cores ?? 0, max: reading.limit_cores }
          : undefined
    };
  }
}

/** A namespace for `CpuMeter` statics. */
export namespace CpuMeter {
  /** The options of the CPU meter. */
  export type IOptions = Meter.IOptions<CpuMeterModel>;
}

namespace Private {
  /** The meter's tooltip: the figures, where the limit comes from, idleness. */
  export function tooltip(
    model: CpuMeterModel,
    reading: ICpuReading,
    trans: TranslationBundle
  ): string {
    const lines: string[] = [];
    const used = reading.used_cores;
    const limit = reading.limit_cores;
    if (used === null) {
      lines.push(trans.__('CPU used: measured from the next sample on.'));
    } else if (limit) {
      lines.push(
        trans.__(
          'CPU used: %1 of %2 cores (%3%)',
          used.toFixed(1),
          formatCores(limit),
          ((model.fraction ?? 0) * 100).toFixed(0)
        )
      );
    } else {
      lines.push(trans.__('CPU used: %1 cores', used.toFixed(1)));
    }
    lines.push(limitLine(reading, trans));
    if (reading.used_source === 'cgroup') {
      lines.push(trans.__("Used: CPU time charged to the job's cgroup."));
    } else if (reading.used_source === 'processes') {
      lines.push(
        trans.__(
          'Used: CPU time of this server and its kernels, terminals and apps.'
        )
      );
    }
    if (model.warn && used !== null && limit) {
      lines.push(
        trans.__(
          '%1 of %2 cores unused for %3 min: give the cores back by ending the job or asking for fewer.',
          formatCores(Math.round((limit - used) * 10) / 10),
          formatCores(limit),
          Math.floor((model.idleMs ?? 0) / 60_000)
        )
      );
    }
    return lines.join('\n');
  }

  /** Where the limit comes from, in words. */
  export function limitLine(
    reading: ICpuReading,
    trans: TranslationBundle
  ): string {
    switch (reading.limit_source) {
      case 'cgroup-v2':
      case 'cgroup-v1':
        return trans.__(
          "Limit: the job's CPU cgroup (%1).",
          reading.limit_detail ?? ''
        );
      case 'slurm':
        return trans.__(
          'Limit: the Slurm allocation (%1).',
          reading.limit_detail ?? 'SLURM_CPUS_ON_NODE'
        );
      case 'affinity':
        return trans.__("Limit: this process's CPU affinity.");
      case 'node':
        return trans.__(
          "No job limit found: the limit shown is all the node's CPUs."
        );
      default:
        return trans.__('No CPU limit is known.');
    }
  }
}

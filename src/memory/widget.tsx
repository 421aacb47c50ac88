import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IMemoryReading } from '../api/types';
import { formatBytes, formatUsage } from './format';
import { MemoryMeterModel } from './model';

/** The status-bar meter: memory used against the job's limit. */
export class MemoryMeter extends VDomRenderer<MemoryMeterModel> {
  constructor(options: MemoryMeter.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this.addClass('jp-hpc-Meter');
    this.addClass('jp-hpc-MemoryMeter');
    this.node.setAttribute('role', 'meter');
    this.node.tabIndex = 0;
  }

  render(): JSX.Element | null {
    const model = this.model;
    const reading = model?.reading;
    this.toggleClass('jp-mod-warn', !!model?.warn);
    this.toggleClass('jp-mod-stale', !!model?.stale);
    if (!model || !reading) {
      this.node.removeAttribute('title');
      return null;
    }
    const trans = this._trans;
    const used = reading.used_bytes ?? 0;
    const fraction = model.fraction;
    const title = Private.tooltip(model, reading, trans);
    this.node.title = title;
    this.node.setAttribute('aria-label', title);
    if (fraction !== null) {
      this.node.setAttribute('aria-valuenow', String(used));
      this.node.setAttribute('aria-valuemin', '0');
      this.node.setAttribute('aria-valuemax', String(reading.limit_bytes));
    }
    const percent = fraction === null ? 0 : Math.min(100, fraction * 100);
    return (
      <>
        <span className="jp-hpc-Meter-label">{trans.__('Mem')}</span>
        {fraction !== null && (
          <span className="jp-hpc-Meter-bar" aria-hidden="true">
            <span
              className="jp-hpc-Meter-fill"
              style={{ width: `${percent.toFixed(1)}%` }}
            />
          </span>
        )}
        <span className="jp-hpc-Meter-value">
          {formatUsage(used, reading.limit_bytes)}
        </span>
      </>
    );
  }

  private _trans: TranslationBundle;
}

/** A namespace for `MemoryMeter` statics. */
export namespace MemoryMeter {
  /** The options of the memory meter. */
  export interface IOptions {
    /** The view model. */
    model: MemoryMeterModel;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
  }
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
    if (model.stale && model.error) {
      lines.push(
        trans.__(
          'Not up to date (reading of %1): %2',
          model.time ?? '?',
          model.error.message
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

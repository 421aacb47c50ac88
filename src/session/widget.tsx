import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { formatLimit, formatTimeLeft } from './format';
import { SessionModel } from './model';

/** The job item: "Job 1234 · 1h 12m left", warning when little time is left. */
export class SessionMeter extends VDomRenderer<SessionModel> {
  constructor(options: SessionMeter.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this.addClass('jp-hpc-Meter');
    this.addClass('jp-hpc-SessionMeter');
    this.node.setAttribute('role', 'timer');
    this.node.tabIndex = 0;
  }

  render(): JSX.Element | null {
    const model = this.model;
    const job = model?.job;
    this.toggleClass('jp-mod-warn', !!model?.warn);
    if (!model || !job) {
      this.node.removeAttribute('title');
      return null;
    }
    const trans = this._trans;
    const remaining = model.remaining;
    const title = Private.tooltip(model, trans);
    this.node.title = title;
    this.node.setAttribute('aria-label', title);
    return (
      <>
        <span className="jp-hpc-Meter-label">{trans.__('Job %1', job.id)}</span>
        {remaining !== null && (
          <span className="jp-hpc-Meter-value">
            {`· ${formatTimeLeft(remaining, trans)}`}
          </span>
        )}
      </>
    );
  }

  private _trans: TranslationBundle;
}

/** A namespace for `SessionMeter` statics. */
export namespace SessionMeter {
  /** The options of the job item. */
  export interface IOptions {
    /** The view model. */
    model: SessionModel;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
  }
}

namespace Private {
  /** The job id, its end in local time, and its time limit. */
  export function tooltip(
    model: SessionModel,
    trans: TranslationBundle
  ): string {
    const job = model.job!;
    const end = model.endTime;
    const lines = [trans.__('Slurm job %1', job.id)];
    lines.push(
      end
        ? trans.__('Ends at %1', end.toLocaleString())
        : trans.__('Slurm has not said when this job ends.')
    );
    lines.push(
      trans.__('Time limit: %1', formatLimit(job.time_limit_s, trans))
    );
    if (model.warn) {
      lines.push(
        trans.__(
          'Less than %1 minutes left: save your work, the job stops at its end.',
          model.warnMinutes
        )
      );
    }
    return lines.join('\n');
  }
}

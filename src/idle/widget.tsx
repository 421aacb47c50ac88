import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { formatCullRule, formatDuration, formatIdle } from './format';
import { IdleModel } from './model';

/** The status item: "Idle 25 min", shown once idle for the threshold. */
export class IdleItem extends VDomRenderer<IdleModel> {
  constructor(options: IdleItem.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this.addClass('jp-hpc-IdleItem');
    this.node.setAttribute('role', 'status');
    this.node.tabIndex = 0;
  }

  render(): JSX.Element | null {
    const model = this.model;
    const state = model?.state;
    if (!model || !state || !model.visible) {
      this.node.removeAttribute('title');
      this.node.removeAttribute('aria-label');
      return null;
    }
    const title = Private.tooltip(model, this._trans);
    this.node.title = title;
    this.node.setAttribute('aria-label', title);
    return (
      <span className="jp-hpc-IdleItem-label">
        {formatIdle(state.idle_s, this._trans)}
      </span>
    );
  }

  private _trans: TranslationBundle;
}

/** A namespace for `IdleItem` statics. */
export namespace IdleItem {
  /** The options of the idle item. */
  export interface IOptions {
    /** The view model. */
    model: IdleModel;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
  }
}

namespace Private {
  /** The last activity, the culler's rule and the job's end, when known. */
  export function tooltip(model: IdleModel, trans: TranslationBundle): string {
    const state = model.state!;
    const last = model.lastActivity;
    const lines = [
      trans.__(
        'No kernel busy, no app used, no key pressed for %1.',
        formatDuration(state.idle_s, trans)
      )
    ];
    if (last) {
      lines.push(trans.__('Last activity: %1', last.toLocaleString()));
    }
    if (state.cull_timeout_s !== null) {
      lines.push(
        formatCullRule(state.cull_timeout_s, state.cull_source, trans)
      );
    }
    const job = state.end_job;
    if (job.enabled && job.job_id !== null && job.after_s !== null) {
      lines.push(
        trans.__(
          'Slurm job %1 ends after %2 idle, as your settings ask.',
          job.job_id,
          formatDuration(job.after_s, trans)
        )
      );
    }
    return lines.join('\n');
  }
}

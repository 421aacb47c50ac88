import { TranslationBundle } from '@jupyterlab/translation';
import { offlineBoltIcon, VDomRenderer } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { formatValue, ResponsiveHistoryChart, seriesLabel } from './chart';
import { formatSince } from './format';
import {
  hasSeries,
  HistoryModel,
  IHistoryPoint,
  latestValue,
  SERIES
} from './model';

/** The id of the one history panel of the page. */
export const HISTORY_PANEL_ID = 'jupyterlab-hpc-history';

/**
 * The power and CO2 history panel of the main area: the latest values in
 * words, then the chart. It owns its model and disposes it.
 */
export class HistoryPanel extends VDomRenderer<HistoryModel> {
  constructor(options: HistoryPanel.IOptions) {
    super(options.model);
    const trans = (this._trans = options.trans);
    this.id = HISTORY_PANEL_ID;
    this.addClass('jp-hpc-History');
    this.title.label = trans.__('Power and CO2');
    this.title.caption = trans.__(
      'Power draw and CO2 emissions of this server over time'
    );
    this.title.icon = offlineBoltIcon;
    this.title.closable = true;
    // Focusable by the shell when activated; the chart is in the tab order.
    this.node.tabIndex = -1;
  }

  render(): JSX.Element | null {
    const model = this.model;
    if (!model) {
      return null;
    }
    const trans = this._trans;
    const points = model.points;
    const waiting = model.loading && !points.length;
    return (
      <>
        <Private.Summary points={points} trans={trans} />
        {model.error && (
          <div className="jp-hpc-History-error" role="alert">
            <span className="jp-hpc-History-message">
              {trans.__(
                'The history could not be loaded: %1',
                model.error.message
              )}
            </span>
            <button
              className="jp-hpc-History-retry jp-mod-styled jp-mod-accept"
              disabled={model.loading}
              onClick={() => void model.load()}
            >
              {trans.__('Retry')}
            </button>
          </div>
        )}
        {model.loading && (
          <div className="jp-hpc-History-status">
            {trans.__('Loading the history…')}
          </div>
        )}
        {!waiting && <ResponsiveHistoryChart points={points} trans={trans} />}
      </>
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    const model = this.model;
    super.dispose();
    model?.dispose();
  }

  protected onActivateRequest(msg: Message): void {
    if (!this.isAttached) {
      return;
    }
    const target = this.node.querySelector<HTMLElement | SVGElement>(
      '.jp-hpc-History-retry, .jp-hpc-History-chart'
    );
    (target ?? this.node).focus();
  }

  protected onUpdateRequest(msg: Message): void {
    // A tab behind another one waits until it is shown to draw.
    if (!this.isVisible) {
      this._dirty = true;
      return;
    }
    this._dirty = false;
    super.onUpdateRequest(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._dirty) {
      this.update();
    }
  }

  private _trans: TranslationBundle;
  private _dirty = false;
}

/** A namespace for `HistoryPanel` statics. */
export namespace HistoryPanel {
  /** The options of the history panel. */
  export interface IOptions {
    /** The history to show; the panel disposes it when closed. */
    model: HistoryModel;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
  }
}

namespace Private {
  /** The latest values in words, each with the colour of its line. */
  export function Summary(props: {
    points: readonly IHistoryPoint[];
    trans: TranslationBundle;
  }): JSX.Element | null {
    const { points, trans } = props;
    if (!points.length) {
      return null;
    }
    const first = points[0].time;
    const last = points[points.length - 1].time;
    return (
      <div className="jp-hpc-History-summary">
        <span className="jp-hpc-History-heading">{trans.__('Latest')}</span>
        {SERIES.filter(key => hasSeries(points, key)).map(key => (
          <span
            key={key}
            className={`jp-hpc-History-item jp-hpc-History-${key}`}
          >
            <span
              className={`jp-hpc-History-swatch jp-hpc-History-swatch-${key}`}
              aria-hidden="true"
            />
            <span className="jp-hpc-History-label">
              {seriesLabel(key, trans)}
            </span>
            <span className="jp-hpc-History-value">
              {formatValue(key, latestValue(points, key)!)}
            </span>
          </span>
        ))}
        <span className="jp-hpc-History-samples">
          {trans._n(
            '%1 sample since %2',
            '%1 samples since %2',
            points.length,
            formatSince(first, last)
          )}
        </span>
      </div>
    );
  }
}

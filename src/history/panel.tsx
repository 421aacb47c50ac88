import { TranslationBundle } from '@jupyterlab/translation';
import { offlineBoltIcon, VDomRenderer } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import {
  formatValue,
  latestPoint,
  ResponsiveHistoryChart,
  seriesLabel
} from './chart';
import { formatSince } from './format';
import { HistoryModel, SERIES, SeriesKey } from './model';
import { SeriesSelection } from './selection';

/** The id of the one history panel of the page. */
export const HISTORY_PANEL_ID = 'jupyterlab-hpc-history';

/**
 * The usage history panel of the main area: a toggle per series with its
 * latest value, then the chart of the series shown. It owns its model and
 * disposes it; the selection outlives it.
 */
export class HistoryPanel extends VDomRenderer<HistoryModel> {
  constructor(options: HistoryPanel.IOptions) {
    super(options.model);
    const trans = (this._trans = options.trans);
    this._selection = options.selection ?? new SeriesSelection();
    this._selection.changed.connect(this.update, this);
    this.id = HISTORY_PANEL_ID;
    this.addClass('jp-hpc-History');
    this.title.label = trans.__('Usage History');
    this.title.caption = trans.__(
      'CPU, memory and GPU use, power draw and CO2 emissions of this server over time'
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
    const selection = this._selection;
    return (
      <>
        <Private.Summary model={model} selection={selection} trans={trans} />
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
        {!waiting && (
          <ResponsiveHistoryChart
            points={points}
            shown={selection.shown}
            trans={trans}
          />
        )}
      </>
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    const model = this.model;
    this._selection.changed.disconnect(this.update, this);
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
  private _selection: SeriesSelection;
  private _dirty = false;
}

/** A namespace for `HistoryPanel` statics. */
export namespace HistoryPanel {
  /** The options of the history panel. */
  export interface IOptions {
    /** The history to show; the panel disposes it when closed. */
    model: HistoryModel;
    /** The series shown, shared by the panels of the page (default: a new one). */
    selection?: SeriesSelection;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
  }
}

namespace Private {
  /**
   * A toggle per series, each with the colour of its line and its latest
   * value; a series without any reading is unavailable, and its tooltip says
   * why.
   */
  export function Summary(props: {
    model: HistoryModel;
    selection: SeriesSelection;
    trans: TranslationBundle;
  }): JSX.Element | null {
    const { model, selection, trans } = props;
    const points = model.points;
    if (!points.length) {
      return null;
    }
    const first = points[0].time;
    const last = points[points.length - 1].time;
    return (
      <div className="jp-hpc-History-summary">
        <span className="jp-hpc-History-heading" id={SERIES_HEADING_ID}>
          {trans.__('Series')}
        </span>
        <div
          className="jp-hpc-History-series"
          role="group"
          aria-labelledby={SERIES_HEADING_ID}
        >
          {SERIES.map(key => {
            const point = latestPoint(points, key);
            const label = seriesLabel(key, trans);
            const shown = point !== null && selection.has(key);
            return (
              <button
                key={key}
                type="button"
                className={`jp-hpc-History-item jp-hpc-History-toggle jp-hpc-History-${key}${
                  point ? '' : ' jp-mod-unavailable'
                }`}
                aria-pressed={shown}
                aria-disabled={point === null}
                title={
                  point === null
                    ? unavailable(key, model.reason(key), trans)
                    : shown
                      ? trans.__('Hide %1 from the chart', label)
                      : trans.__('Show %1 on the chart', label)
                }
                onClick={() => {
                  if (point !== null) {
                    selection.toggle(key);
                  }
                }}
              >
                <span
                  className={`jp-hpc-History-swatch jp-hpc-History-swatch-${key}`}
                  aria-hidden="true"
                />
                <span className="jp-hpc-History-label">{label}</span>
                {point && (
                  <span className="jp-hpc-History-value">
                    {formatValue(key, point, trans)}
                  </span>
                )}
              </button>
            );
          })}
        </div>
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

  /** The id of the heading that names the group of toggles. */
  export const SERIES_HEADING_ID = 'jp-hpc-History-series-heading';

  /** Why a series cannot be shown: the server's reason where it gives one. */
  export function unavailable(
    key: SeriesKey,
    reason: string | null,
    trans: TranslationBundle
  ): string {
    const label = seriesLabel(key, trans);
    if (reason) {
      return trans.__('%1: unavailable: %2', label, reason);
    }
    return key === 'gpu' || key === 'gpuUtil' || key === 'gpuMemory'
      ? trans.__(
          '%1: unavailable: no GPU of this job could be read in this history.',
          label
        )
      : trans.__(
          '%1: unavailable: the server has no reading of it in this history.',
          label
        );
  }
}

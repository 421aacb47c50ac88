import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { ISlurmActions } from './actions';
import { SlurmHistoryModel } from './history';
import { HistoryView } from './historyview';
import { slurmIcon } from './icon';
import { QueueView } from './queueview';
import { ISlurmSession } from './session';
import { ISlurmQueueModel } from './tokens';

/** The id of the Slurm sidebar panel. */
export const SLURM_PANEL_ID = 'jupyterlab-hpc-slurm';

/** How often the age of the data is redrawn while the panel is visible. */
export const TICK = 1000;

/**
 * Below this width (CSS pixels) the panel shows compact rows and one toolbar
 * line: the left sidebar opens at about 250–300 px.
 */
export const NARROW_WIDTH = 480;

/**
 * The Slurm sidebar panel: the queue and the history, in two tabs.
 *
 * It lays itself out by its own width, not the window's: compact rows in a
 * sidebar, the full table when widened or opened in the main area. It redraws the age of the data every second, only while it is visible,
 * and asks for fresh data whenever it is shown again (the poll stands by
 * while it is hidden).
 */
export class SlurmPanel extends VDomRenderer<ISlurmQueueModel> {
  constructor(options: SlurmPanel.IOptions) {
    super(options.model);
    const trans = (this._trans = options.trans);
    this._history = options.history;
    this._actions = options.actions;
    this._session = options.session ?? null;
    this._session?.changed.connect(this._onChanged, this);
    this.id = options.id ?? SLURM_PANEL_ID;
    this.addClass('jp-hpc-SlurmPanel');
    this.title.icon = slurmIcon;
    this.title.caption = trans.__('Slurm jobs');
    this._history.stateChanged.connect(this._onChanged, this);
    // Lumino tells of its own layouts' resizes; the observer of the rest (CSS).
    if (typeof ResizeObserver !== 'undefined') {
      this._observer = new ResizeObserver(entries => {
        const width = entries[entries.length - 1]?.contentRect.width ?? 0;
        this._setWidth(width);
      });
      this._observer.observe(this.node);
    }
  }

  /** Whether the panel is sidebar-narrow (compact rows, one toolbar line). */
  get narrow(): boolean {
    return this._narrow;
  }

  render(): JSX.Element | null {
    const model = this.model;
    if (!model) {
      return null;
    }
    return (
      <Private.Tabs
        model={model}
        history={this._history}
        actions={this._actions}
        session={this._session}
        now={Date.now()}
        narrow={this._narrow}
        prefix={this.id}
        trans={this._trans}
      />
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopTicking();
    this._observer?.disconnect();
    this._history.stateChanged.disconnect(this._onChanged, this);
    this._session?.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._appear();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._setWidth(msg.width >= 0 ? msg.width : this.node.offsetWidth);
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._stopTicking();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._appear();
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this._stopTicking();
    super.onBeforeDetach(msg);
  }

  /** The panel became visible: refresh, since the poll stood by while hidden. */
  private _appear(): void {
    this._startTicking();
    void this.model?.refresh();
    this.update();
  }

  private _startTicking(): void {
    if (this._timer === null) {
      this._timer = window.setInterval(() => this.update(), TICK);
    }
  }

  private _stopTicking(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  /** A width of 0 is a panel not laid out yet: it keeps its layout. */
  private _setWidth(width: number): void {
    const narrow = width > 0 ? width < NARROW_WIDTH : this._narrow;
    if (narrow !== this._narrow) {
      this._narrow = narrow;
      this.toggleClass('jp-mod-narrow', narrow);
      this.update();
    }
  }

  /** The history or the session changed: redraw. */
  private _onChanged(): void {
    this.update();
  }

  private _trans: TranslationBundle;
  private _history: SlurmHistoryModel;
  private _actions: ISlurmActions;
  private _session: ISlurmSession | null;
  private _timer: number | null = null;
  private _narrow = false;
  private _observer: ResizeObserver | null = null;
}

/** A namespace for `SlurmPanel` statics. */
export namespace SlurmPanel {
  /** The options of the Slurm panel. */
  export interface IOptions {
    /** The queue. */
    model: ISlurmQueueModel;
    /** The history, loaded when its tab is first shown. */
    history: SlurmHistoryModel;
    /** What the toolbar buttons do. */
    actions: ISlurmActions;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** This JupyterLab's own job, marked in the queue (none by default). */
    session?: ISlurmSession | null;
    /**
     * The widget's id: the sidebar's by default; another one for a second
     * panel (in the main area), whose tabs then have ids of their own.
     */
    id?: string;
  }
}

namespace Private {
  /** Which tab is shown. */
  type Tab = 'queue' | 'history';

  /** The two tabs, keyboard-operable as a tab list (arrows move). */
  export function Tabs(props: {
    model: ISlurmQueueModel;
    history: SlurmHistoryModel;
    actions: ISlurmActions;
    session: ISlurmSession | null;
    now: number;
    narrow: boolean;
    /** The prefix of the tabs' element ids: the panel's id. */
    prefix: string;
    trans: TranslationBundle;
  }): JSX.Element {
    const { history, trans, prefix } = props;
    const [tab, setTab] = React.useState<Tab>('queue');
    const choose = (next: Tab) => {
      setTab(next);
      if (next === 'history' && !history.history && !history.loading) {
        void history.load();
      }
    };
    const tabs: [Tab, string][] = [
      ['queue', trans.__('Queue')],
      ['history', trans.__('History')]
    ];
    return (
      <>
        <div className="jp-hpc-SlurmPanel-header">
          <h2 className="jp-hpc-SlurmPanel-title">{trans.__('Slurm')}</h2>
          <div
            className="jp-hpc-SlurmPanel-tabs"
            role="tablist"
            aria-label={trans.__('Slurm views')}
            onKeyDown={event => {
              if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
                event.preventDefault();
                const next: Tab = tab === 'queue' ? 'history' : 'queue';
                choose(next);
                const target = event.currentTarget.querySelector<HTMLElement>(
                  `.jp-hpc-SlurmPanel-tab-${next}`
                );
                target?.focus();
              }
            }}
          >
            {tabs.map(([name, label]) => (
              <button
                key={name}
                role="tab"
                id={`${prefix}-tab-${name}`}
                className={`jp-hpc-SlurmPanel-tab jp-hpc-SlurmPanel-tab-${name}${tab === name ? ' jp-mod-active' : ''}`}
                aria-selected={tab === name}
                aria-controls={`${prefix}-view-${name}`}
                tabIndex={tab === name ? 0 : -1}
                onClick={() => choose(name)}
              >
                {label}
              </button>
            ))}
          </div>
        </div>
        {/* Both stay mounted, so the filter and selection survive a tab switch. */}
        {tabs.map(([name]) => (
          <div
            key={name}
            className="jp-hpc-SlurmPanel-view"
            role="tabpanel"
            id={`${prefix}-view-${name}`}
            aria-labelledby={`${prefix}-tab-${name}`}
            hidden={tab !== name}
          >
            {name === 'queue' ? (
              <QueueView
                model={props.model}
                actions={props.actions}
                session={props.session}
                now={props.now}
                narrow={props.narrow}
                trans={trans}
              />
            ) : (
              <HistoryView
                model={history}
                narrow={props.narrow}
                trans={trans}
              />
            )}
          </div>
        ))}
      </>
    );
  }
}

import { IStatusBar } from '@jupyterlab/statusbar';
import { ArrayExt } from '@lumino/algorithm';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { Panel, Widget } from '@lumino/widgets';

import { IMeterRegistry, MeterPlacement } from './tokens';

/**
 * Places every meter in the status bar or in the top bar.
 *
 * Each meter gets one view per place, both over the same model, so moving
 * the meters never starts a second poll; the view of the other place hides.
 */
export class MeterRegistry implements IMeterRegistry {
  constructor(options: MeterRegistry.IOptions) {
    this._statusBar = options.statusBar ?? null;
    this._placement = options.placement ?? 'status-bar';
    this.topGroup = new Panel();
    // The shell only takes widgets with an id.
    this.topGroup.id = 'jupyterlab-hpc-meters';
    this.topGroup.addClass('jp-hpc-MeterGroup');
    this.topGroup.node.setAttribute('role', 'group');
    if (options.label) {
      this.topGroup.node.setAttribute('aria-label', options.label);
    }
    this._updateGroup();
  }

  /** The top-bar container of the meters' top-bar views. */
  readonly topGroup: Panel;

  get placement(): MeterPlacement {
    return this._placement;
  }
  set placement(value: MeterPlacement) {
    if (value === this._placement) {
      return;
    }
    this._placement = value;
    this._updateGroup();
    for (const entry of this._entries) {
      entry.changed.emit();
      this._updateTopView(entry);
    }
    this._placementChanged.emit(value);
  }

  get placementChanged(): ISignal<IMeterRegistry, MeterPlacement> {
    return this._placementChanged;
  }

  add(meter: IMeterRegistry.IMeter): IDisposable {
    const entry: Private.IEntry = {
      meter,
      changed: new Signal<unknown, void>(this),
      topView: meter.createWidget(),
      statusItem: null
    };
    const onModel = () => {
      entry.changed.emit();
      this._updateTopView(entry);
    };
    meter.model.stateChanged.connect(onModel);
    if (this._statusBar) {
      entry.statusItem = this._statusBar.registerStatusItem(meter.id, {
        item: meter.createWidget(),
        align: 'left',
        rank: meter.rank,
        isActive: () =>
          this._placement === 'status-bar' && meter.model.available,
        activeStateChanged: entry.changed
      });
    }
    const index = ArrayExt.upperBound(
      this._entries,
      entry,
      (a, b) => a.meter.rank - b.meter.rank
    );
    ArrayExt.insert(this._entries, index, entry);
    this.topGroup.insertWidget(index, entry.topView);
    this._updateTopView(entry);
    return new DisposableDelegate(() => {
      meter.model.stateChanged.disconnect(onModel);
      ArrayExt.removeFirstOf(this._entries, entry);
      entry.statusItem?.dispose();
      entry.topView.dispose();
      Signal.clearData(entry.changed);
    });
  }

  /** Show a top-bar view only in top-bar placement, with a reading. */
  private _updateTopView(entry: Private.IEntry): void {
    const visible =
      this._placement === 'top-bar' && entry.meter.model.available;
    entry.topView.setHidden(!visible);
    if (visible) {
      entry.topView.update();
    }
  }

  private _updateGroup(): void {
    this.topGroup.setHidden(this._placement !== 'top-bar');
  }

  private _statusBar: IStatusBar | null;
  private _placement: MeterPlacement;
  private _entries: Private.IEntry[] = [];
  private _placementChanged = new Signal<IMeterRegistry, MeterPlacement>(this);
}

/** A namespace for `MeterRegistry` statics. */
export namespace MeterRegistry {
  /** The options of the meter registry. */
  export interface IOptions {
    /** The status bar, when the page has one. */
    statusBar?: IStatusBar | null;
    /** The initial placement (status bar). */
    placement?: MeterPlacement;
    /** The accessible name of the top-bar group. */
    label?: string;
  }
}

namespace Private {
  /** A registered meter and its views. */
  export interface IEntry {
    meter: IMeterRegistry.IMeter;
    changed: Signal<unknown, void>;
    topView: Widget;
    statusItem: IDisposable | null;
  }
}

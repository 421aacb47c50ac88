import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ISignal, Signal } from '@lumino/signaling';

import { SERIES, SeriesKey } from './model';

/** The series shown until the user chooses: power and CO2, as before. */
export const DEFAULT_SERIES: readonly SeriesKey[] = ['cpu', 'gpu', 'co2'];

/**
 * Which series of the history the user shows. One per page, so that a
 * closed and reopened panel shows the same series; `persistSelection` keeps
 * it in the user's settings.
 */
export class SeriesSelection {
  constructor(options: SeriesSelection.IOptions = {}) {
    this._shown = Private.valid(options.shown ?? DEFAULT_SERIES);
  }

  /** A signal emitted when a series is shown or hidden. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The series shown, in the order of `SERIES`. */
  get shown(): readonly SeriesKey[] {
    return this._shown;
  }

  /** Whether the series `key` is shown. */
  has(key: SeriesKey): boolean {
    return this._shown.includes(key);
  }

  /** Show the series `key` when it is hidden, hide it when it is shown. */
  toggle(key: SeriesKey): void {
    this.set(
      this.has(key)
        ? this._shown.filter(shown => shown !== key)
        : this._shown.concat(key)
    );
  }

  /** Show these series and no other; unknown names are ignored. */
  set(keys: readonly string[]): void {
    const shown = Private.valid(keys);
    if (
      shown.length === this._shown.length &&
      shown.every((key, i) => key === this._shown[i])
    ) {
      return;
    }
    this._shown = shown;
    this._changed.emit();
  }

  private _shown: readonly SeriesKey[];
  private _changed = new Signal<this, void>(this);
}

/** A namespace for `SeriesSelection` statics. */
export namespace SeriesSelection {
  /** The options of a selection. */
  export interface IOptions {
    /** The series shown at first (default: power and CO2). */
    shown?: readonly string[];
  }
}

/** The setting of the history plugin that keeps the series shown. */
export const SERIES_SETTING = 'series';

/**
 * Keep `selection` and the plugin's `series` setting the same: the setting's
 * value now and whenever it changes (another tab, the settings editor), and
 * the user's toggles saved to it.
 */
export function persistSelection(
  selection: SeriesSelection,
  settings: ISettingRegistry.ISettings
): void {
  // Saves still under way: the setting may echo an older one meanwhile.
  let saving = 0;
  const read = () => {
    const value = settings.get(SERIES_SETTING).composite;
    if (!saving && Array.isArray(value)) {
      selection.set(value.map(String));
    }
  };
  read();
  settings.changed.connect(read);
  selection.changed.connect(() => {
    const saved = settings.get(SERIES_SETTING).composite;
    const shown = selection.shown;
    if (
      Array.isArray(saved) &&
      saved.length === shown.length &&
      shown.every((key, i) => key === saved[i])
    ) {
      return;
    }
    saving++;
    settings
      .set(SERIES_SETTING, [...shown])
      .catch(reason => {
        console.error('jupyterlab-hpc: cannot save the series shown', reason);
      })
      .then(() => {
        saving--;
        read();
      });
  });
}

namespace Private {
  /** The known series among `keys`, once each, in the order of `SERIES`. */
  export function valid(keys: readonly string[]): readonly SeriesKey[] {
    return SERIES.filter(key => keys.includes(key));
  }
}

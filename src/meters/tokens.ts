import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

/** Where the meters are shown. */
export type MeterPlacement = 'status-bar' | 'top-bar';

/** The meters of the page and where they are placed. */
export interface IMeterRegistry {
  /** Where the meters are shown now. */
  readonly placement: MeterPlacement;
  /** Emitted when the placement changes. */
  readonly placementChanged: ISignal<IMeterRegistry, MeterPlacement>;
  /** Show a meter in the current placement; dispose the result to remove it. */
  add(meter: IMeterRegistry.IMeter): IDisposable;
}

/** A namespace for `IMeterRegistry` types. */
export namespace IMeterRegistry {
  /** The model part of a meter the registry needs: whether there is anything to show. */
  export interface IMeterState {
    /** Whether the meter has a reading; it is hidden otherwise. */
    readonly available: boolean;
    /** Emitted when `available` (or anything shown) may have changed. */
    readonly stateChanged: ISignal<unknown, void>;
  }

  /** A meter: its model, and a factory for one view per place. */
  export interface IMeter {
    /** A unique id, e.g. the plugin id. */
    id: string;
    /** The order among meters, left to right (memory is 2). */
    rank: number;
    /** Shared by every view of the meter. */
    model: IMeterState;
    /** Create one view; called once for the status bar and once for the top bar. */
    createWidget(): Widget;
  }
}

/** The token of the meter registry. */
export const IMeterRegistry = new Token<IMeterRegistry>(
  'jupyterlab-hpc:IMeterRegistry',
  'The resource meters of the page, shown in the status bar or the top bar.'
);

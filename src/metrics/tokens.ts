import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

import { IMetrics } from '../api/types';

/** The latest metrics snapshot, shared by every meter of the page. */
export interface IMetricsModel extends IDisposable {
  /** The last snapshot received, or null before the first one. */
  readonly metrics: IMetrics | null;
  /** The error of the last poll, or null when it succeeded. */
  readonly error: Error | null;
  /** Whether the last poll failed while an older snapshot is still shown. */
  readonly stale: boolean;
  /** Milliseconds between two polls while all goes well. */
  interval: number;
  /** Emitted after every poll, successful or not. */
  readonly changed: ISignal<IMetricsModel, void>;
  /** Poll now, outside the schedule. */
  refresh(): Promise<void>;
}

/** The token of the shared metrics model. */
export const IMetricsModel = new Token<IMetricsModel>(
  'jupyterlab-hpc:IMetricsModel',
  'The latest resource metrics of this Jupyter server; one poll for the whole page.'
);

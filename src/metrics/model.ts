import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { IHPCClient } from '../api/client';
import { IMetrics } from '../api/types';
import { IMetricsModel } from './tokens';

/** The default time between two polls, matching the server's sampler. */
export const DEFAULT_INTERVAL = 5000;

/** The shortest interval allowed: the server samples no faster anyway. */
export const MIN_INTERVAL = 1000;

/** The longest wait between two attempts while the server keeps failing. */
export const MAX_BACKOFF = 300 * 1000;

/**
 * The metrics model: one `Poll` of `GET metrics` for the whole page.
 *
 * The poll stands by while the page is hidden, and backs off while the
 * server fails, because its factory rejects on every error.
 */
export class MetricsModel implements IMetricsModel {
  constructor(options: MetricsModel.IOptions) {
    this._client = options.client;
    this._poll = new Poll({
      auto: options.auto ?? true,
      factory: () => this._fetch(),
      frequency: {
        interval: clampInterval(options.interval ?? DEFAULT_INTERVAL),
        backoff: true,
        max: MAX_BACKOFF
      },
      name: 'jupyterlab-hpc:metrics',
      standby: options.standby ?? 'when-hidden'
    });
  }

  get metrics(): IMetrics | null {
    return this._metrics;
  }

  get error(): Error | null {
    return this._error;
  }

  get stale(): boolean {
    return this._error !== null && this._metrics !== null;
  }

  get interval(): number {
    return this._poll.frequency.interval;
  }
  set interval(value: number) {
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: clampInterval(value)
    };
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** The poll, exposed for tests and for callers that need its state. */
  get poll(): Poll {
    return this._poll;
  }

  refresh(): Promise<void> {
    return this._poll.refresh();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    try {
      this._metrics = await this._client.metrics();
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
      this._changed.emit();
      // Rejecting is what makes the poll back off.
      throw this._error;
    }
    this._changed.emit();
  }

  private _client: IHPCClient;
  private _metrics: IMetrics | null = null;
  private _error: Error | null = null;
  private _poll: Poll;
  private _changed = new Signal<this, void>(this);
}

/** A namespace for `MetricsModel` statics. */
export namespace MetricsModel {
  /** The options of the metrics model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** Milliseconds between polls (default 5000, at least 1000). */
    interval?: number;
    /** Whether to start polling at once (default true). */
    auto?: boolean;
    /** When to stand by (default while the page is hidden). */
    standby?: Poll.Standby | (() => boolean | Poll.Standby);
  }
}

/** Keep an interval within what makes sense for a 5 s server sampler. */
export function clampInterval(value: number): number {
  if (!Number.isFinite(value)) {
    return DEFAULT_INTERVAL;
  }
  return Math.max(MIN_INTERVAL, value);
}

import { VDomModel } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';

import { IHPCClient } from '../api/client';
import { ISlurmJob, ISlurmJobs, SlurmScope } from '../api/types';
import { ISlurmQueueModel } from './tokens';

/** The shortest time between two polls of the queue, whatever the server says. */
export const MIN_INTERVAL = 5000;

/** The interval until the server has said its own. */
export const DEFAULT_INTERVAL = 15000;

/** The longest wait between two attempts while the server keeps failing. */
export const MAX_BACKOFF = 300 * 1000;

/**
 * The Slurm queue: one `Poll` of `GET slurm/jobs` at the server's own
 * `poll_interval_s`, backing off on errors, standing by whenever the caller
 * says so (the panel is closed, or the page hidden).
 */
export class SlurmQueueModel extends VDomModel implements ISlurmQueueModel {
  constructor(options: SlurmQueueModel.IOptions) {
    super();
    this._client = options.client;
    this._scope = options.scope ?? 'mine';
    this._poll = new Poll({
      auto: options.auto ?? true,
      factory: () => this._fetch(),
      frequency: {
        interval: DEFAULT_INTERVAL,
        backoff: true,
        max: MAX_BACKOFF
      },
      name: 'jupyterlab-hpc:slurm',
      standby: options.standby ?? 'when-hidden'
    });
  }

  get data(): ISlurmJobs | null {
    return this._data;
  }

  get jobs(): readonly ISlurmJob[] {
    return this._data?.jobs ?? Private.NO_JOBS;
  }

  get error(): Error | null {
    return this._error;
  }

  get status(): SlurmQueueModel.Status {
    if (this._data) {
      return 'ready';
    }
    return this._error ? 'error' : 'loading';
  }

  get stale(): boolean {
    return !!this._data && (this._data.stale || this._error !== null);
  }

  get staleMessage(): string | null {
    if (!this.stale) {
      return null;
    }
    return this._error?.message ?? this._data?.error ?? null;
  }

  get fetchedAt(): Date | null {
    const iso = this._data?.fetched_at;
    const time = iso ? new Date(iso) : this._receivedAt;
    return time && !Number.isNaN(time.getTime()) ? time : null;
  }

  get scope(): SlurmScope {
    return this._scope;
  }
  set scope(value: SlurmScope) {
    if (value === this._scope) {
      return;
    }
    // The other scope's jobs would pass for this one's: show none meanwhile.
    this._scope = value;
    this._data = null;
    this._error = null;
    this.stateChanged.emit();
    void this.refresh();
  }

  /** The poll, exposed for tests and for callers that need its state. */
  get poll(): Poll {
    return this._poll;
  }

  /** Ask the server now, past the browser's cache (after the user changed the queue). */
  refresh(): Promise<void> {
    this._fresh = true;
    return this._poll.refresh();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    super.dispose();
  }

  private async _fetch(): Promise<void> {
    const scope = this._scope;
    let data: ISlurmJobs;
    try {
      const fresh = this._fresh;
      this._fresh = false;
      data = await this._client.slurmJobs(scope, { fresh });
    } catch (error) {
      if (scope === this._scope && !this.isDisposed) {
        this._error = error instanceof Error ? error : new Error(String(error));
        this.stateChanged.emit();
      }
      // Rejecting is what makes the poll back off.
      throw error;
    }
    if (scope !== this._scope || this.isDisposed) {
      return;
    }
    this._data = data;
    this._error = null;
    this._receivedAt = new Date();
    this._setInterval(data.poll_interval_s);
    this.stateChanged.emit();
  }

  /** Follow the server's cache lifetime: polling faster only gets the same data. */
  private _setInterval(seconds: number): void {
    const interval = Number.isFinite(seconds)
      ? Math.max(MIN_INTERVAL, seconds * 1000)
      : DEFAULT_INTERVAL;
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: Math.min(interval, MAX_BACKOFF)
    };
  }

  private _client: IHPCClient;
  private _scope: SlurmScope;
  private _data: ISlurmJobs | null = null;
  private _error: Error | null = null;
  private _receivedAt: Date | null = null;
  private _poll: Poll;
  private _fresh = false;
}

/** A namespace for `SlurmQueueModel` statics. */
export namespace SlurmQueueModel {
  /** Whether there are data, none yet, or none because the request failed. */
  export type Status = 'loading' | 'ready' | 'error';

  /** The options of the queue model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** Whose jobs to list first (default the user's). */
    scope?: SlurmScope;
    /** Whether to start polling at once (default true). */
    auto?: boolean;
    /** When to stand by (default while the page is hidden). */
    standby?: Poll.Standby | (() => boolean | Poll.Standby);
  }
}

namespace Private {
  /** The jobs of a model without data. */
  export const NO_JOBS: readonly ISlurmJob[] = [];
}

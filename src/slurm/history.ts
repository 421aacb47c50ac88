import { VDomModel } from '@jupyterlab/ui-components';

import { IHPCClient } from '../api/client';
import { ISlurmHistory } from '../api/types';

/** The default number of days of finished jobs to list. */
export const DEFAULT_HISTORY_DAYS = 7;

/**
 * Finished jobs from `GET slurm/history`, loaded when the History tab is
 * shown and when the user asks: accounting queries are not polled.
 */
export class SlurmHistoryModel extends VDomModel {
  constructor(options: SlurmHistoryModel.IOptions) {
    super();
    this._client = options.client;
    this._days = options.days ?? DEFAULT_HISTORY_DAYS;
  }

  /** The last answer, or null before the first one. */
  get history(): ISlurmHistory | null {
    return this._history;
  }

  /** Why the last load failed, or null. */
  get error(): Error | null {
    return this._error;
  }

  /** Whether a request is under way. */
  get loading(): boolean {
    return this._loading;
  }

  /** How many days back to list. */
  get days(): number {
    return this._days;
  }
  set days(value: number) {
    if (!Number.isFinite(value) || value < 1 || value === this._days) {
      return;
    }
    this._days = Math.round(value);
    if (this._history || this._error) {
      void this.load();
    }
  }

  /**
   * Request the history; a call while one is under way joins it. Never
   * rejects: a failure is kept in `error`.
   */
  load(): Promise<void> {
    if (!this._loading) {
      this._loading = true;
      this.stateChanged.emit();
      this._request = this._load();
    }
    return this._request;
  }

  private async _load(): Promise<void> {
    try {
      this._history = await this._client.slurmHistory(this._days);
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
    }
    this._loading = false;
    if (!this.isDisposed) {
      this.stateChanged.emit();
    }
  }

  private _client: IHPCClient;
  private _days: number;
  private _history: ISlurmHistory | null = null;
  private _error: Error | null = null;
  private _loading = false;
  private _request: Promise<void> = Promise.resolve();
}

/** A namespace for `SlurmHistoryModel` statics. */
export namespace SlurmHistoryModel {
  /** The options of the history model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** How many days back to list (default 7). */
    days?: number;
  }
}

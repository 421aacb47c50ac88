import { VDomModel } from '@jupyterlab/ui-components';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';

import { IHPCClient } from '../api/client';
import { IAppInstance } from '../api/types';

/** How often to read `apps/running` while nothing is starting. */
export const IDLE_INTERVAL = 5000;

/** How often to read it while someone waits for an app to start. */
export const WATCH_INTERVAL = 100;

/** The longest wait between two attempts while the server keeps failing. */
export const MAX_BACKOFF = 60 * 1000;

/**
 * The app instances of the server: one `Poll` of `GET apps/running`.
 *
 * It stands by unless someone looks (`isShown`, e.g. the Running panel is
 * open, or `look()`, a launch dialog) or waits (`watch()`, a launch in
 * progress); while someone
 * waits it reads every 100 ms, even in a hidden page, because opening the
 * app's browser tab hides this one.
 */
export class RunningAppsModel extends VDomModel {
  constructor(options: RunningAppsModel.IOptions) {
    super();
    this._client = options.client;
    this._isShown = options.isShown ?? (() => true);
    this._poll = new Poll({
      auto: options.auto ?? true,
      factory: () => this._fetch(),
      frequency: { interval: IDLE_INTERVAL, backoff: true, max: MAX_BACKOFF },
      name: 'jupyterlab-hpc:apps',
      standby: () => {
        if (this._watchers > 0) {
          return false;
        }
        return this._lookers > 0 || this._isShown() ? 'when-hidden' : true;
      }
    });
  }

  /** Every instance of the last answer, in the server's order. */
  get instances(): readonly IAppInstance[] {
    return this._instances;
  }

  /** The error of the last request, or null when it succeeded. */
  get error(): Error | null {
    return this._error;
  }

  /**
   * How many requests have been sent. An answer tells only what happened
   * before its request: a launch waits for one sent after the server took it.
   */
  get requested(): number {
    return this._requested;
  }

  /** The number of the request whose answer is shown (0 before any). */
  get shownRequest(): number {
    return this._shownRequest;
  }

  /** The poll, exposed for tests. */
  get poll(): Poll {
    return this._poll;
  }

  /** The instance of an app's endpoint, if the server knows one. */
  find(name: string, endpoint: number): IAppInstance | undefined {
    return this._instances.find(
      instance => instance.name === name && instance.endpoint === endpoint
    );
  }

  /** Read the server now. */
  refresh(): Promise<void> {
    return this._poll.refresh();
  }

  /**
   * Read every 100 ms, whatever the page's visibility, until the result is
   * disposed (a launch waits for its app to answer).
   */
  watch(): IDisposable {
    this._watchers++;
    this._setInterval();
    return new DisposableDelegate(() => {
      this._watchers--;
      this._setInterval();
    });
  }

  /**
   * Keep reading at the idle pace while the page is visible, until the
   * result is disposed (a launch dialog shows which endpoints run).
   */
  look(): IDisposable {
    this._lookers++;
    void this._poll.refresh();
    return new DisposableDelegate(() => {
      this._lookers--;
    });
  }

  /** Forget an instance at once (it was shut down), before the next answer. */
  forget(name: string, endpoint: number): void {
    const kept = this._instances.filter(
      instance => instance.name !== name || instance.endpoint !== endpoint
    );
    if (kept.length !== this._instances.length) {
      this._instances = kept;
      this.stateChanged.emit();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    super.dispose();
  }

  private async _fetch(): Promise<void> {
    const request = ++this._requested;
    try {
      const answer = await this._client.runningApps();
      if (this.isDisposed || request < this._shownRequest) {
        return;
      }
      this._instances = answer.instances;
      this._error = null;
      this._shownRequest = request;
    } catch (error) {
      if (!this.isDisposed) {
        this._error = error instanceof Error ? error : new Error(String(error));
        this.stateChanged.emit();
      }
      // Rejecting is what makes the poll back off.
      throw error;
    }
    this.stateChanged.emit();
  }

  private _setInterval(): void {
    const interval = this._watchers > 0 ? WATCH_INTERVAL : IDLE_INTERVAL;
    if (interval !== this._poll.frequency.interval) {
      this._poll.frequency = { ...this._poll.frequency, interval };
      if (this._watchers > 0) {
        void this._poll.refresh();
      }
    }
  }

  private _client: IHPCClient;
  private _isShown: () => boolean;
  private _poll: Poll;
  private _instances: readonly IAppInstance[] = [];
  private _error: Error | null = null;
  private _watchers = 0;
  private _lookers = 0;
  private _requested = 0;
  private _shownRequest = 0;
}

/** A namespace for `RunningAppsModel` statics. */
export namespace RunningAppsModel {
  /** The options of the model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** Whether someone looks at the instances (default always). */
    isShown?: () => boolean;
    /** Whether to start polling at once (default true). */
    auto?: boolean;
  }
}

import { VDomModel } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';

import { IIdleClient, IIdleState } from './api';

/** How often `GET idle` is read, also while the page is hidden. */
export const IDLE_INTERVAL = 30 * 1000;

/** Idle minutes from which the status item shows. */
export const DEFAULT_THRESHOLD_MINUTES = 5;

/** Minutes before the culler stops the server when a notification is shown. */
export const DEFAULT_CULL_NOTICE_MINUTES = 5;

/**
 * This server's idle time, the culler's countdown and the end of an idle job.
 *
 * `GET idle` is read every 30 s, also in a hidden page, so that the
 * notifications come on time. Each notification is shown once as its
 * countdown enters its window, and withdrawn when activity puts the
 * countdown back outside it.
 */
export class IdleModel extends VDomModel {
  constructor(options: IdleModel.IOptions) {
    super();
    this._client = options.client;
    this._notifier = options.notifier;
    this._poll = new Poll({
      auto: options.auto ?? true,
      factory: () => this._fetch(),
      frequency: {
        interval: IDLE_INTERVAL,
        backoff: true,
        max: 10 * IDLE_INTERVAL
      },
      name: 'jupyterlab-hpc:idle',
      standby: 'never'
    });
  }

  /** The last answer of `GET idle`, or null before the first. */
  get state(): IIdleState | null {
    return this._state;
  }

  /** Whether the server has been idle at least `thresholdMinutes`. */
  get visible(): boolean {
    return (
      this._state !== null && this._state.idle_s >= this._thresholdMinutes * 60
    );
  }

  /** When the last activity was, or null when unknown. */
  get lastActivity(): Date | null {
    const time = this._state ? new Date(this._state.last_activity) : null;
    return time && !Number.isNaN(time.getTime()) ? time : null;
  }

  /** Idle minutes from which the status item shows. */
  get thresholdMinutes(): number {
    return this._thresholdMinutes;
  }
  set thresholdMinutes(value: number) {
    if (Number.isFinite(value) && value >= 0) {
      this._thresholdMinutes = value;
      this.stateChanged.emit();
    }
  }

  /** Minutes before the culler when a notification is shown (0: never). */
  get cullNoticeMinutes(): number {
    return this._cullNoticeMinutes;
  }
  set cullNoticeMinutes(value: number) {
    if (Number.isFinite(value) && value >= 0) {
      this._cullNoticeMinutes = value;
      if (this._state) {
        this._checkNotifications(this._state);
      }
    }
  }

  /** Read `GET idle` again now; resolves once the answer is shown. */
  refresh(): Promise<void> {
    return this._fetch();
  }

  /** The user acted (or chose to keep working): tell the server, read again. */
  async reportActivity(): Promise<void> {
    await this._client.reportActivity();
    if (!this.isDisposed) {
      await this.refresh();
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
    const state = await this._client.state();
    if (this.isDisposed) {
      return;
    }
    this._state = state;
    this._checkNotifications(state);
    this.stateChanged.emit();
  }

  /** Show a notification as its countdown enters its window; withdraw it after. */
  private _checkNotifications(state: IIdleState): void {
    const culledIn = state.culled_in_s;
    const cullDue =
      culledIn !== null &&
      this._cullNoticeMinutes > 0 &&
      culledIn <= this._cullNoticeMinutes * 60;
    if (cullDue && !this._cullShown) {
      this._cullShown = true;
      this._notifier.showCull(state);
    } else if (!cullDue && this._cullShown) {
      this._cullShown = false;
      this._notifier.withdrawCull();
    }
    const job = state.end_job;
    const endsIn = job.ends_in_s;
    const jobDue =
      job.enabled &&
      job.job_id !== null &&
      endsIn !== null &&
      endsIn <= job.warn_s;
    if (jobDue && !this._jobShown) {
      this._jobShown = true;
      this._notifier.showJobEnd(state);
    } else if (!jobDue && this._jobShown) {
      this._jobShown = false;
      this._notifier.withdrawJobEnd();
    }
  }

  private _client: IIdleClient;
  private _notifier: IdleModel.INotifier;
  private _poll: Poll;
  private _state: IIdleState | null = null;
  private _thresholdMinutes = DEFAULT_THRESHOLD_MINUTES;
  private _cullNoticeMinutes = DEFAULT_CULL_NOTICE_MINUTES;
  private _cullShown = false;
  private _jobShown = false;
}

/** A namespace for `IdleModel` statics. */
export namespace IdleModel {
  /** Shows and withdraws the notifications of idle time. */
  export interface INotifier {
    /** The culler stops the server in `state.culled_in_s`. */
    showCull(state: IIdleState): void;
    /** Activity moved the culler's countdown away. */
    withdrawCull(): void;
    /** The job ends in `state.end_job.ends_in_s` (the user's setting). */
    showJobEnd(state: IIdleState): void;
    /** Activity moved the job's end away. */
    withdrawJobEnd(): void;
  }

  /** The options of the idle model. */
  export interface IOptions {
    /** The client of the idle routes. */
    client: IIdleClient;
    /** Shows the notifications. */
    notifier: INotifier;
    /** Whether to read `GET idle` at once (default true). */
    auto?: boolean;
  }
}

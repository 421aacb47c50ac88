import { VDomModel } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';

import { IHPCClient } from '../api/client';
import { IInfo } from '../api/types';

/** The Slurm job this server runs in, as `GET info` describes it. */
export type SessionJob = NonNullable<IInfo['job']>;

/** How often `GET info` is read again while the page is visible. */
export const INFO_INTERVAL = 60 * 1000;

/** How often the time left is computed again, locally. */
export const TICK_INTERVAL = 30 * 1000;

/** Below this many minutes left the item turns to its warning style. */
export const DEFAULT_WARN_MINUTES = 15;

/** A notification is shown once as the time left passes each of these. */
export const DEFAULT_NOTIFY_MINUTES: readonly number[] = [10, 2];

/**
 * The time left to the Slurm job of this server.
 *
 * `GET info` is read at start and every minute while the page is visible
 * (the job's end moves when an admin extends it); the time left is computed
 * locally every 30 s, also in a hidden page, so that the warnings come on
 * time. A server outside a job stops both polls after the first answer.
 */
export class SessionModel extends VDomModel {
  constructor(options: SessionModel.IOptions) {
    super();
    this._client = options.client;
    this._notify = options.notify;
    this._now = options.now ?? Date.now;
    this._infoPoll = new Poll({
      auto: options.auto ?? true,
      factory: () => this._fetch(),
      frequency: {
        interval: INFO_INTERVAL,
        backoff: true,
        max: 10 * INFO_INTERVAL
      },
      name: 'jupyterlab-hpc:session-info',
      standby: 'when-hidden'
    });
    this._tickPoll = new Poll({
      auto: false,
      factory: async () => this.tick(),
      frequency: { interval: TICK_INTERVAL, backoff: false },
      name: 'jupyterlab-hpc:session-tick',
      standby: 'never'
    });
  }

  /** The job, or null outside a job or before the first answer. */
  get job(): SessionJob | null {
    return this._job;
  }

  /** Whether there is a job to show; the item hides itself otherwise. */
  get available(): boolean {
    return this._job !== null;
  }

  /** When the job ends, or null when Slurm does not say. */
  get endTime(): Date | null {
    const iso = this._job?.end_time;
    const time = iso ? new Date(iso) : null;
    return time && !Number.isNaN(time.getTime()) ? time : null;
  }

  /** Seconds left at the last tick, or null without an end time. */
  get remaining(): number | null {
    const end = this.endTime;
    return end === null ? null : (end.getTime() - this._tickedAt) / 1000;
  }

  /** Whether fewer than `warnMinutes` are left. */
  get warn(): boolean {
    const remaining = this.remaining;
    return remaining !== null && remaining < this._warnMinutes * 60;
  }

  /** Below this many minutes left the item warns. */
  get warnMinutes(): number {
    return this._warnMinutes;
  }
  set warnMinutes(value: number) {
    if (Number.isFinite(value) && value >= 0 && value !== this._warnMinutes) {
      this._warnMinutes = value;
      this.stateChanged.emit();
    }
  }

  /** The minutes left at which a notification is shown, once each. */
  get notifyMinutes(): readonly number[] {
    return this._notifyMinutes;
  }
  set notifyMinutes(value: readonly number[]) {
    this._notifyMinutes = (Array.isArray(value) ? value : [])
      .filter(minutes => Number.isFinite(minutes) && minutes > 0)
      .sort((a, b) => b - a);
  }

  /** Read `GET info` again now. */
  refresh(): Promise<void> {
    return this._infoPoll.refresh();
  }

  /** Compute the time left, notify where a threshold was passed, and redraw. */
  tick(): void {
    this._tickedAt = this._now();
    const remaining = this.remaining;
    if (this._job && remaining !== null) {
      this._checkNotifications(this._job, remaining);
    }
    this.stateChanged.emit();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._infoPoll.dispose();
    this._tickPoll.dispose();
    super.dispose();
  }

  private async _fetch(): Promise<void> {
    const info = await this._client.info();
    if (this.isDisposed) {
      return;
    }
    this._job = info.job ?? null;
    if (!this._job) {
      // SLURM_JOB_ID does not change for the server's life: nothing to follow.
      void this._infoPoll.stop();
      void this._tickPoll.stop();
    } else {
      void this._tickPoll.start();
    }
    this.tick();
  }

  /** One notification per threshold passed; one again if the job is extended past it. */
  private _checkNotifications(job: SessionJob, remaining: number): void {
    for (const minutes of Array.from(this._notified)) {
      if (remaining > minutes * 60) {
        this._notified.delete(minutes);
      }
    }
    const due = this._notifyMinutes.filter(
      minutes =>
        remaining > 0 &&
        remaining <= minutes * 60 &&
        !this._notified.has(minutes)
    );
    if (!due.length) {
      return;
    }
    // Thresholds passed together (a page opened late) make one notification.
    due.forEach(minutes => this._notified.add(minutes));
    this._notify(job, Math.max(1, Math.ceil(remaining / 60)));
  }

  private _client: IHPCClient;
  private _notify: SessionModel.Notify;
  private _now: () => number;
  private _infoPoll: Poll;
  private _tickPoll: Poll;
  private _job: SessionJob | null = null;
  private _tickedAt = 0;
  private _warnMinutes = DEFAULT_WARN_MINUTES;
  private _notifyMinutes: readonly number[] = DEFAULT_NOTIFY_MINUTES;
  private _notified = new Set<number>();
}

/** A namespace for `SessionModel` statics. */
export namespace SessionModel {
  /** Tell the user the job ends in `minutes`. */
  export type Notify = (job: SessionJob, minutes: number) => void;

  /** The options of the session model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** Show the end-of-job notification. */
    notify: Notify;
    /** Whether to read `GET info` at once (default true). */
    auto?: boolean;
    /** The clock (tests). */
    now?: () => number;
  }
}

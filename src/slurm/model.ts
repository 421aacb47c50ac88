import { VDomModel } from '@jupyterlab/ui-components';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Message, MessageLoop } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { IHPCClient } from '../api/client';
import { ISlurmEvent, ISlurmJob, ISlurmJobs, SlurmScope } from '../api/types';
import { ISlurmQueueModel } from './tokens';

/** The shortest time between two polls of the queue, whatever the server says. */
export const MIN_INTERVAL = 5000;

/** The interval until the server has said its own. */
export const DEFAULT_INTERVAL = 15000;

/** The longest wait between two attempts while the server keeps failing. */
export const MAX_BACKOFF = 300 * 1000;

/** How much slower the poll goes while the user has no pending or running job. */
export const SLOW_FACTOR = 4;

/** The longest slow interval (unless the server's own interval is longer). */
export const SLOW_MAX = 120 * 1000;

/**
 * How many more answers a job that left the list is waited for, when its end
 * has not come as an event yet (the server asks sacct again at each new list:
 * accounting may lag behind the queue).
 */
export const END_WAIT = 3;

/**
 * The Slurm queue: one `Poll` of `GET slurm/jobs`, which also brings the
 * user's job events (started, completed, failed…) for the notifications.
 *
 * It asks only as much as someone needs (see `SlurmQueueModel.Demand`):
 * - at the server's `poll_interval_s` while a consumer holds it (`acquire()`:
 *   the visible panel) and the user has a pending or running job;
 * - `SLOW_FACTOR` times slower while a consumer holds it and the user has none;
 * - at the slow rate, for the user's own jobs only, while no consumer holds it
 *   but `watchEvents` is on and the last list had a pending or running job
 *   (so that its end is still notified);
 * - not at all otherwise, and never while the page is hidden.
 * Errors back off up to `MAX_BACKOFF`.
 */
export class SlurmQueueModel extends VDomModel implements ISlurmQueueModel {
  constructor(options: SlurmQueueModel.IOptions) {
    super();
    this._client = options.client;
    this._scope = options.scope ?? 'mine';
    this._watchEvents = options.watchEvents ?? false;
    this._pageStandby = options.standby ?? 'when-hidden';
    this._poll = new Poll({
      auto: options.auto ?? true,
      factory: () => this._fetch(),
      frequency: {
        interval: DEFAULT_INTERVAL,
        backoff: true,
        max: MAX_BACKOFF
      },
      name: 'jupyterlab-hpc:slurm',
      // Our own check, not Lumino's 'when-hidden', which lets one more tick through.
      standby: () => this._standby()
    });
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this._onVisibility);
    }
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

  get eventsReceived(): ISignal<ISlurmQueueModel, readonly ISlurmEvent[]> {
    return this._eventsReceived;
  }

  get lastEvent(): number | null {
    return this._cursor;
  }

  get hasActiveJobs(): boolean | null {
    return this._active;
  }

  get watchEvents(): boolean {
    return this._watchEvents;
  }
  set watchEvents(value: boolean) {
    if (value === this._watchEvents) {
      return;
    }
    this._watchEvents = value;
    this._plan();
    if (value && this.demand !== 'none') {
      void this._poll.refresh();
    }
  }

  get consumers(): number {
    return this._consumers;
  }

  /** How often the queue is wanted now (the page's visibility aside). */
  get demand(): SlurmQueueModel.Demand {
    if (this._consumers > 0) {
      // The whole cluster's queue changes whatever the user's own jobs do.
      return this._active === false && this._scope === 'mine' ? 'slow' : 'full';
    }
    if (!this._watchEvents) {
      return 'none';
    }
    if (this._active === null) {
      // One look to learn whether there is anything to watch, then only on a hint.
      return this._looked ? 'none' : 'full';
    }
    return this._active ? 'slow' : 'none';
  }

  /** The poll, exposed for tests and for callers that need its state. */
  get poll(): Poll {
    return this._poll;
  }

  acquire(): IDisposable {
    this._consumers++;
    this._plan();
    if (this._consumers === 1) {
      // Not `refresh()`: the browser's copy, if still current, will do.
      void this._poll.refresh();
    }
    return new DisposableDelegate(() => {
      this._consumers--;
      this._plan();
    });
  }

  /** Ask the server now, past the browser's cache (after the user changed the queue). */
  refresh(): Promise<void> {
    this._fresh = true;
    // Whoever asks gets an answer, even with no consumer: after a submit from
    // the editor the new job is how the model learns there is one to watch.
    this._forced = true;
    return this._poll.refresh();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (typeof document !== 'undefined') {
      document.removeEventListener('visibilitychange', this._onVisibility);
    }
    this._poll.dispose();
    Signal.clearData(this);
    super.dispose();
  }

  /** Whether the next tick skips the request. */
  private _standby(): boolean {
    if (this._forced) {
      return false;
    }
    if (this._hidden()) {
      return true;
    }
    return this.demand === 'none';
  }

  private _hidden(): boolean {
    const standby =
      typeof this._pageStandby === 'function'
        ? this._pageStandby()
        : this._pageStandby;
    if (standby === 'when-hidden') {
      return Private.pageHidden();
    }
    return standby === true;
  }

  /** Back on the page: catch up now rather than at the next tick. */
  private _onVisibility = (): void => {
    if (this._hidden() || this.demand === 'none') {
      return;
    }
    if (Date.now() - this._answeredAt >= this._poll.frequency.interval) {
      void this._poll.refresh();
    }
  };

  private async _fetch(): Promise<void> {
    this._looked = true;
    this._forced = false;
    // Nobody looks at the list: only the user's own jobs are watched.
    const scope: SlurmScope = this._consumers > 0 ? this._scope : 'mine';
    const shown = scope === this._scope;
    let data: ISlurmJobs;
    try {
      const fresh = this._fresh;
      this._fresh = false;
      data = await this._client.slurmJobs(scope, {
        fresh,
        eventsAfter: this._cursor ?? undefined
      });
    } catch (error) {
      if (shown && scope === this._scope && !this.isDisposed) {
        this._error = error instanceof Error ? error : new Error(String(error));
        this.stateChanged.emit();
      }
      // Rejecting is what makes the poll back off.
      throw error;
    }
    if (this.isDisposed) {
      return;
    }
    this._answeredAt = Date.now();
    this._interval = Private.interval(data.poll_interval_s);
    const events = this._takeEvents(data);
    this._active = this._track(data, events);
    this._plan();
    if (!shown || scope !== this._scope) {
      return;
    }
    this._data = data;
    this._error = null;
    this._receivedAt = new Date();
    this.stateChanged.emit();
  }

  /**
   * Emit the events not seen yet. The first answer only sets where "now" is:
   * a new page does not replay what happened before it was opened.
   */
  private _takeEvents(data: ISlurmJobs): readonly ISlurmEvent[] {
    const last = Number.isFinite(data.last_event) ? data.last_event : 0;
    const cursor = this._cursor;
    if (cursor === null || last < cursor) {
      // First answer, or the server restarted and counts from 0 again.
      this._cursor = last;
      return Private.NO_EVENTS;
    }
    // Two answers in flight at once carry the same events: keep the first.
    const events = (data.events ?? []).filter(event => event.seq > cursor);
    this._cursor = Math.max(last, ...events.map(event => event.seq));
    if (events.length > 0) {
      this._eventsReceived.emit(events);
    }
    return events;
  }

  /**
   * Whether the user has a job whose start or end is still to come: one
   * listed and not held, or one that left the list and whose end has not
   * come as an event yet (for `END_WAIT` answers).
   */
  private _track(data: ISlurmJobs, events: readonly ISlurmEvent[]): boolean {
    const mine = data.jobs.filter(
      job => data.scope === 'mine' || job.user === data.user
    );
    const listed = new Set(mine.map(job => job.id));
    for (const [id, left] of this._leaving) {
      if (left > 1) {
        this._leaving.set(id, left - 1);
      } else {
        this._leaving.delete(id);
      }
    }
    for (const id of this._listed) {
      // A pending array's record ("5_[1-3]") leaves as its tasks start.
      if (!listed.has(id) && !id.includes('[')) {
        this._leaving.set(id, END_WAIT);
      }
    }
    for (const event of events) {
      if (!Private.NOT_AN_END.has(event.kind)) {
        this._leaving.delete(event.id);
      }
    }
    this._listed = listed;
    return mine.some(job => !job.held) || this._leaving.size > 0;
  }

  /** Set the poll's interval to what the demand needs. */
  private _plan(): void {
    const full = this._interval;
    const slow = Math.max(full, Math.min(full * SLOW_FACTOR, SLOW_MAX));
    const interval = this.demand === 'full' ? full : slow;
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
  /** When the server last answered, whichever scope (ms since the epoch). */
  private _answeredAt = 0;
  private _poll: Poll;
  private _fresh = false;
  private _forced = false;
  private _looked = false;
  private _consumers = 0;
  private _watchEvents: boolean;
  private _pageStandby: SlurmQueueModel.PageStandby;
  private _interval = DEFAULT_INTERVAL;
  private _active: boolean | null = null;
  private _cursor: number | null = null;
  /** The user's jobs in the last answer, by id. */
  private _listed = new Set<string>();
  /** Jobs that left the list without an end event: id -> answers left. */
  private _leaving = new Map<string, number>();
  private _eventsReceived = new Signal<
    ISlurmQueueModel,
    readonly ISlurmEvent[]
  >(this);
}

/**
 * Hold `model` (see `acquire`) for as long as `widget` is visible: shown,
 * attached, in a visible parent. Dispose the result to stop following.
 */
export function acquireWhileVisible(
  model: ISlurmQueueModel,
  widget: Widget
): IDisposable {
  let lease: IDisposable | null = null;
  let following = true;
  const follow = () => {
    const visible = following && widget.isVisible && !widget.isDisposed;
    if (visible && !lease) {
      lease = model.acquire();
    } else if (!visible && lease) {
      lease.dispose();
      lease = null;
    }
  };
  const hook = (handler: unknown, msg: Message): boolean => {
    if (Private.VISIBILITY_MESSAGES.has(msg.type)) {
      // The hook runs before the widget updates its flags: look once it has.
      void Promise.resolve().then(follow);
    }
    return true;
  };
  MessageLoop.installMessageHook(widget, hook);
  follow();
  return new DisposableDelegate(() => {
    following = false;
    MessageLoop.removeMessageHook(widget, hook);
    follow();
  });
}

/** A namespace for `SlurmQueueModel` statics. */
export namespace SlurmQueueModel {
  /** Whether there are data, none yet, or none because the request failed. */
  export type Status = 'loading' | 'ready' | 'error';

  /**
   * How often the queue is wanted: at the server's interval, at the slow one,
   * or not at all.
   */
  export type Demand = 'full' | 'slow' | 'none';

  /** When the page counts as hidden: `'when-hidden'` follows the browser. */
  export type PageStandby = Poll.Standby | (() => boolean | Poll.Standby);

  /** The options of the queue model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** Whose jobs to list first (default the user's). */
    scope?: SlurmScope;
    /** Whether to start the poll at once (default true). */
    auto?: boolean;
    /**
     * Whether to keep watching the user's pending and running jobs, slowly,
     * while no consumer holds the model (default false; on for notifications).
     */
    watchEvents?: boolean;
    /**
     * When the page counts as hidden, and the poll asks nothing (default
     * `'when-hidden'`: whenever the browser says so; `'never'` in tests).
     */
    standby?: PageStandby;
  }
}

namespace Private {
  /** The messages after which a widget may have appeared or disappeared. */
  export const VISIBILITY_MESSAGES = new Set([
    'after-show',
    'after-attach',
    'before-hide',
    'before-detach'
  ]);

  /** The jobs of a model without data. */
  export const NO_JOBS: readonly ISlurmJob[] = [];

  /** Whether the browser hides the page (another tab, a minimised window). */
  export function pageHidden(): boolean {
    return (
      typeof document !== 'undefined' && document.visibilityState === 'hidden'
    );
  }

  /** The server's cache lifetime, bounded: polling faster only gets the same data. */
  export function interval(seconds: number): number {
    const interval = Number.isFinite(seconds)
      ? Math.max(MIN_INTERVAL, seconds * 1000)
      : DEFAULT_INTERVAL;
    return Math.min(interval, MAX_BACKOFF);
  }

  /** No events. */
  export const NO_EVENTS: readonly ISlurmEvent[] = [];

  /** The kinds of event after which a job is still in the queue. */
  export const NOT_AN_END = new Set(['started', 'requeued']);
}

/** At most one activity report per this many milliseconds. */
export const REPORT_INTERVAL = 60 * 1000;

/** The page events that are the user acting. */
export const ACTIVITY_EVENTS: readonly string[] = ['keydown', 'pointerdown'];

/**
 * Reports the user's keystrokes and clicks in the page, at most once a
 * minute: the server counts them as activity (the page's own refreshes do
 * not count for its idle time).
 */
export class ActivityTracker {
  constructor(options: ActivityTracker.IOptions) {
    this._report = options.report;
    this._target = options.target ?? document;
    this._now = options.now ?? Date.now;
    this._target.addEventListener('keydown', this._onEvent, true);
    this._target.addEventListener('pointerdown', this._onEvent, true);
  }

  /** Whether the tracker stopped listening. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Report now, whatever the last report (an explicit "Keep working"). */
  reportNow(): Promise<void> {
    this._last = this._now();
    return this._report();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._target.removeEventListener('keydown', this._onEvent, true);
    this._target.removeEventListener('pointerdown', this._onEvent, true);
  }

  private _onEvent = (): void => {
    const now = this._now();
    if (this._last !== null && now - this._last < REPORT_INTERVAL) {
      return;
    }
    this._last = now;
    this._report().catch(reason => {
      console.warn('jupyterlab-hpc: cannot report activity', reason);
    });
  };

  private _report: () => Promise<void>;
  private _target: EventTarget;
  private _now: () => number;
  private _last: number | null = null;
  private _isDisposed = false;
}

/** A namespace for `ActivityTracker` statics. */
export namespace ActivityTracker {
  /** The options of the activity tracker. */
  export interface IOptions {
    /** Tell the server the user acted. */
    report: () => Promise<void>;
    /** Where to listen (the document by default). */
    target?: EventTarget;
    /** The clock (tests). */
    now?: () => number;
  }
}

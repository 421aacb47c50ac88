import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';

import { ISlurmEvent } from '../api/types';
import { ISlurmQueueModel } from './tokens';

/** The localStorage key of the events some tab of this browser already notified. */
export const CLAIMS_KEY = 'jupyterlab-hpc:slurm-notified';

/** How many notified events are remembered, across tabs, to notify each once. */
const CLAIMS_KEPT = 200;

/** A notification for one job event: its text, kind and whether it stays. */
export interface IJobNotice {
  message: string;
  type: Notification.TypeOptions;
  /** False: it stays until dismissed (the user must learn of a failure). */
  autoClose: number | false;
}

/**
 * The text and kind of the notification of one event: "Job 1234 (train)
 * started", "… failed (exit code 2)", "… was killed: out of memory"…
 */
export function describeEvent(
  event: ISlurmEvent,
  trans: TranslationBundle
): IJobNotice {
  const job = event.name
    ? trans.__('Job %1 (%2)', event.id, event.name)
    : trans.__('Job %1', event.id);
  switch (event.kind) {
    case 'started':
      return Private.notice(trans.__('%1 started', job), 'info', 5000);
    case 'completed':
      return Private.notice(trans.__('%1 completed', job), 'success', 8000);
    case 'failed': {
      const [status, signal] = (event.exit_code ?? '').split(':');
      let message = trans.__('%1 failed', job);
      if (signal && signal !== '0') {
        message = trans.__(
          '%1 failed (exit code %2, signal %3)',
          job,
          status,
          signal
        );
      } else if (status) {
        message = trans.__('%1 failed (exit code %2)', job, status);
      }
      return Private.notice(message, 'error', false);
    }
    case 'out_of_memory':
      return Private.notice(
        trans.__('%1 was killed: out of memory', job),
        'error',
        false
      );
    case 'timeout':
      return Private.notice(
        trans.__('%1 reached its time limit', job),
        'warning',
        false
      );
    case 'cancelled':
      return Private.notice(trans.__('%1 was cancelled', job), 'info', 5000);
    case 'requeued':
      return Private.notice(trans.__('%1 was requeued', job), 'info', 5000);
    default:
      // A kind a newer server knows and this page does not: say it plainly.
      return Private.notice(trans.__('%1: %2', job, event.state), 'info', 5000);
  }
}

/**
 * Turns the queue model's job events into JupyterLab notifications, once
 * per browser however many tabs receive them.
 */
export class SlurmNotifier implements IDisposable {
  constructor(options: SlurmNotifier.IOptions) {
    this._model = options.model;
    this._trans = options.trans;
    this._show = options.show ?? null;
    this._storage =
      options.storage === undefined ? Private.localStorage() : options.storage;
    this._model.eventsReceived.connect(this._onEvents, this);
  }

  /** Whether events are shown (the `notifications` setting). */
  enabled = true;

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._model.eventsReceived.disconnect(this._onEvents, this);
  }

  private _onEvents(
    sender: ISlurmQueueModel,
    events: readonly ISlurmEvent[]
  ): void {
    if (!this.enabled) {
      return;
    }
    for (const event of events) {
      if (Private.claim(this._storage, event)) {
        this._notify(event);
      }
    }
  }

  private _notify(event: ISlurmEvent): void {
    const trans = this._trans;
    const notice = describeEvent(event, trans);
    const show = this._show;
    const actions: Notification.IAction[] = show
      ? [
          {
            label: trans.__('Show'),
            caption: trans.__('Show the Slurm jobs panel'),
            callback: () => show(event)
          }
        ]
      : [];
    Notification.emit(notice.message, notice.type, {
      autoClose: notice.autoClose,
      actions
    });
  }

  private _model: ISlurmQueueModel;
  private _trans: TranslationBundle;
  private _show: ((event: ISlurmEvent) => void) | null;
  private _storage: Storage | null;
  private _disposed = false;
}

/** A namespace for `SlurmNotifier` statics. */
export namespace SlurmNotifier {
  /** The options of the notifier. */
  export interface IOptions {
    /** The queue whose events are notified. */
    model: ISlurmQueueModel;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** What "Show" does (no such action without it). */
    show?: (event: ISlurmEvent) => void;
    /**
     * Where the tabs of this browser note what they notified (default the
     * page's localStorage; null: every tab notifies).
     */
    storage?: Storage | null;
  }
}

namespace Private {
  /** A notice. */
  export function notice(
    message: string,
    type: Notification.TypeOptions,
    autoClose: number | false
  ): IJobNotice {
    return { message, type, autoClose };
  }

  /** The page's localStorage, or null where it is unavailable (privacy modes). */
  export function localStorage(): Storage | null {
    try {
      return typeof window === 'undefined' ? null : window.localStorage;
    } catch {
      return null;
    }
  }

  /**
   * Whether this tab is the first to notify `event`; records it if so. The key
   * is the job, the kind and the server's time, not the seq: a restarted
   * server counts its seqs from 1 again.
   */
  export function claim(storage: Storage | null, event: ISlurmEvent): boolean {
    if (!storage) {
      return true;
    }
    const key = `${event.id} ${event.kind} ${event.time}`;
    try {
      const claimed = read(storage);
      if (claimed.includes(key)) {
        return false;
      }
      claimed.push(key);
      storage.setItem(CLAIMS_KEY, JSON.stringify(claimed.slice(-CLAIMS_KEPT)));
    } catch {
      // A full or refused storage: notifying twice beats not at all.
    }
    return true;
  }

  /** The keys of the events already notified, oldest first. */
  export function read(storage: Storage): string[] {
    try {
      const value: unknown = JSON.parse(storage.getItem(CLAIMS_KEY) ?? '[]');
      return Array.isArray(value)
        ? value.filter((item): item is string => typeof item === 'string')
        : [];
    } catch {
      return [];
    }
  }
}

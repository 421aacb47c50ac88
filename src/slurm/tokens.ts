import { VDomRenderer } from '@jupyterlab/ui-components';
import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

import { ISlurmEvent, ISlurmJob, ISlurmJobs, SlurmScope } from '../api/types';

/**
 * The Slurm queue of the page: one poll, held by the panel while visible,
 * refreshed by actions, and the source of the job notifications.
 */
export interface ISlurmQueueModel extends VDomRenderer.IModel {
  /** The last answer of the server, or null before the first one. */
  readonly data: ISlurmJobs | null;
  /** Whether there are data ('ready'), none yet, or none because of an error. */
  readonly status: 'loading' | 'ready' | 'error';
  /** The jobs of the last answer (none without one). */
  readonly jobs: readonly ISlurmJob[];
  /** The error of the last request, or null when it succeeded. */
  readonly error: Error | null;
  /** Whether the jobs shown are older than the last attempt to refresh them. */
  readonly stale: boolean;
  /** Why the jobs shown are old: the server's or the request's error. */
  readonly staleMessage: string | null;
  /** When the jobs shown were fetched from squeue. */
  readonly fetchedAt: Date | null;
  /** Whose jobs are listed; changing it fetches at once. */
  scope: SlurmScope;
  /**
   * Whether the user has a pending or running job (held ones aside) in the
   * last list; null before the first answer.
   */
  readonly hasActiveJobs: boolean | null;
  /** The seq of the last job event seen; null before the first answer. */
  readonly lastEvent: number | null;
  /**
   * The user's job changes since the last answer, oldest first; never the
   * ones from before the page was opened.
   */
  readonly eventsReceived: ISignal<ISlurmQueueModel, readonly ISlurmEvent[]>;
  /**
   * Keep the queue polled at its full rate (slower while the user has no
   * pending or running job) until the returned handle is disposed: a visible
   * panel or form holds one. Without any holder the queue is asked only to
   * notice the end of the user's jobs. Never while the page is hidden.
   */
  acquire(): IDisposable;
  /** Poll now, outside the schedule, past the browser's cache. */
  refresh(): Promise<void>;
}

/** The token of the Slurm queue model. */
export const ISlurmQueueModel = new Token<ISlurmQueueModel>(
  'jupyterlab-hpc:ISlurmQueueModel',
  'The Slurm queue as the jupyterlab-hpc server last saw it; one poll for the page.'
);

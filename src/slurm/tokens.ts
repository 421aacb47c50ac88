import { VDomRenderer } from '@jupyterlab/ui-components';
import { Token } from '@lumino/coreutils';

import { ISlurmJob, ISlurmJobs, SlurmScope } from '../api/types';

/** The Slurm queue of the page: one poll, read by the panel, refreshed by actions. */
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
  /** Poll now, outside the schedule. */
  refresh(): Promise<void>;
}

/** The token of the Slurm queue model. */
export const ISlurmQueueModel = new Token<ISlurmQueueModel>(
  'jupyterlab-hpc:ISlurmQueueModel',
  'The Slurm queue as the jupyterlab-hpc server last saw it; one poll for the page.'
);

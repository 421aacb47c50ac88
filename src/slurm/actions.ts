import { Clipboard, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { ISlurmJob } from '../api/types';
import { notifyFailure } from '../notify';
import { confirmRequeue } from './dialogs';
import {
  actionIds,
  canHold,
  canRelease,
  canRequeue,
  isSessionJob,
  jobRowText
} from './jobs';
import { ISlurmSession } from './session';
import { ISlurmQueueModel } from './tokens';

/** What the queue panel can do with the selected jobs. */
export interface ISlurmActions {
  /** Ask, then cancel the jobs; resolves to whether they were cancelled. */
  cancel(jobs: readonly ISlurmJob[]): Promise<boolean>;
  /** Hold the pending ones. */
  hold(jobs: readonly ISlurmJob[]): Promise<void>;
  /** Release the held ones. */
  release(jobs: readonly ISlurmJob[]): Promise<void>;
  /**
   * Ask, then put the running or finished ones back in the queue (held, with
   * `hold`); resolves to whether the user said yes.
   */
  requeue(jobs: readonly ISlurmJob[], hold: boolean): Promise<boolean>;
  /** Copy a job's id, or its row as tab-separated text, to the clipboard. */
  copy(job: ISlurmJob, what: 'id' | 'row'): void;
  /** Show every field of one job. */
  details(job: ISlurmJob): Promise<void>;
}

/**
 * The job actions: one request per job id, then a notification that says
 * what was *requested* (Slurm confirms through the next refresh: `scancel`
 * of an unknown id succeeds silently), then an immediate refresh.
 */
export class SlurmActions implements ISlurmActions {
  constructor(options: SlurmActions.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._trans = options.trans;
    this._confirm = options.confirm;
    this._showDetails = options.showDetails;
    this._session = options.session ?? null;
    this._confirmRequeue =
      options.confirmRequeue ?? confirmRequeue(this._trans);
  }

  async cancel(jobs: readonly ISlurmJob[]): Promise<boolean> {
    if (!jobs.length) {
      return false;
    }
    // The confirmation warns when this JupyterLab's own job is among them.
    const sessionId = this._session?.jobId ?? null;
    const session = jobs.find(job => isSessionJob(job, sessionId)) ?? null;
    if (!(await this._confirm(jobs, session))) {
      return false;
    }
    const trans = this._trans;
    await this._run(jobs, id => this._client.cancelJob(id), {
      done: n =>
        trans._n(
          'Cancel requested for %1 job',
          'Cancel requested for %1 jobs',
          n
        ),
      failed: (n, total) =>
        trans.__('%1 of %2 jobs could not be cancelled', n, total)
    });
    return true;
  }

  async hold(jobs: readonly ISlurmJob[]): Promise<void> {
    const trans = this._trans;
    await this._run(jobs.filter(canHold), id => this._client.holdJob(id), {
      done: n =>
        trans._n('Hold requested for %1 job', 'Hold requested for %1 jobs', n),
      failed: (n, total) =>
        trans.__('%1 of %2 jobs could not be held', n, total)
    });
  }

  async release(jobs: readonly ISlurmJob[]): Promise<void> {
    const trans = this._trans;
    await this._run(
      jobs.filter(canRelease),
      id => this._client.releaseJob(id),
      {
        done: n =>
          trans._n(
            'Release requested for %1 job',
            'Release requested for %1 jobs',
            n
          ),
        failed: (n, total) =>
          trans.__('%1 of %2 jobs could not be released', n, total)
      }
    );
  }

  async requeue(jobs: readonly ISlurmJob[], hold: boolean): Promise<boolean> {
    const chosen = jobs.filter(canRequeue);
    if (!chosen.length) {
      return false;
    }
    // Requeuing the job this JupyterLab runs in stops it, as cancelling does.
    const sessionId = this._session?.jobId ?? null;
    const session = chosen.find(job => isSessionJob(job, sessionId)) ?? null;
    if (!(await this._confirmRequeue(chosen, hold, session))) {
      return false;
    }
    const trans = this._trans;
    await this._run(
      chosen,
      id => this._client.requeueJob(id, { hold }),
      hold
        ? {
            done: n =>
              trans._n(
                'Requeue and hold requested for %1 job',
                'Requeue and hold requested for %1 jobs',
                n
              ),
            failed: (n, total) =>
              trans.__('%1 of %2 jobs could not be requeued and held', n, total)
          }
        : {
            done: n =>
              trans._n(
                'Requeue requested for %1 job',
                'Requeue requested for %1 jobs',
                n
              ),
            failed: (n, total) =>
              trans.__('%1 of %2 jobs could not be requeued', n, total)
          }
    );
    return true;
  }

  copy(job: ISlurmJob, what: 'id' | 'row'): void {
    Clipboard.copyToSystem(what === 'id' ? job.id : jobRowText(job));
    Notification.info(
      what === 'id'
        ? this._trans.__('Copied job id %1', job.id)
        : this._trans.__('Copied the row of job %1', job.id),
      { autoClose: 3000 }
    );
  }

  details(job: ISlurmJob): Promise<void> {
    return this._showDetails(job);
  }

  /** Act on every id of every job, say how it went, refresh the queue. */
  private async _run(
    jobs: readonly ISlurmJob[],
    act: (id: string) => Promise<void>,
    messages: Private.IMessages
  ): Promise<void> {
    if (!jobs.length) {
      return;
    }
    // One line per job that failed: its first error, with the id it concerns.
    const failures: string[] = [];
    await Promise.all(
      jobs.map(async job => {
        const { ids } = actionIds(job);
        if (!ids.length) {
          failures.push(
            `${job.id}: ${this._trans.__('not a job id Slurm takes')}`
          );
          return;
        }
        for (const id of ids) {
          try {
            await act(id);
          } catch (error) {
            const message =
              error instanceof Error ? error.message : String(error);
            failures.push(`${id}: ${message}`);
            return;
          }
        }
      })
    );
    const failedJobs = failures.length;
    if (failedJobs < jobs.length) {
      Notification.success(messages.done(jobs.length - failedJobs), {
        autoClose: 5000
      });
    }
    if (failures.length) {
      notifyFailure(
        'error',
        messages.failed(failedJobs, jobs.length),
        failures.join('; '),
        this._trans,
        failures.join('\n')
      );
    }
    await this._model.refresh();
  }

  private _client: IHPCClient;
  private _model: ISlurmQueueModel;
  private _trans: TranslationBundle;
  private _confirm: SlurmActions.Confirm;
  private _showDetails: (job: ISlurmJob) => Promise<void>;
  private _session: ISlurmSession | null;
  private _confirmRequeue: SlurmActions.ConfirmRequeue;
}

/** A namespace for `SlurmActions` statics. */
export namespace SlurmActions {
  /**
   * Ask the user whether to cancel the jobs; `session` is the one among them
   * this JupyterLab runs in, if any.
   */
  export type Confirm = (
    jobs: readonly ISlurmJob[],
    session: ISlurmJob | null
  ) => Promise<boolean>;

  /**
   * Ask the user whether to requeue the jobs (and hold them, with `hold`);
   * `session` is the one among them this JupyterLab runs in, if any.
   */
  export type ConfirmRequeue = (
    jobs: readonly ISlurmJob[],
    hold: boolean,
    session: ISlurmJob | null
  ) => Promise<boolean>;

  /** The options of the job actions. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** The queue, refreshed after every action. */
    model: ISlurmQueueModel;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** The cancel confirmation (a dialog; tests answer it themselves). */
    confirm: Confirm;
    /** The requeue confirmation (a dialog by default). */
    confirmRequeue?: ConfirmRequeue;
    /** Show one job's details. */
    showDetails(job: ISlurmJob): Promise<void>;
    /** This JupyterLab's own job, for the confirmation (none by default). */
    session?: ISlurmSession | null;
  }
}

namespace Private {
  /** The notification texts of one action. */
  export interface IMessages {
    done(count: number): string;
    failed(count: number, total: number): string;
  }
}

import { ISlurmJob } from '../api/types';
import { formatDuration } from './format';

/** A column of the queue the user can sort by. */
export type SortKey =
  | 'id'
  | 'name'
  | 'user'
  | 'state'
  | 'partition'
  | 'nodes'
  | 'time'
  | 'start'
  | 'reason';

/** The sort order of the queue table. */
export interface ISort {
  key: SortKey;
  ascending: boolean;
}

/** The most tasks of a pending array range acted on one by one. */
export const MAX_ARRAY_TASKS = 100;

/**
 * The `jp-mod-*` state of a job's badge: the long Slurm state in lower case
 * letters only (`NODE_FAIL` → `nodefail`), as the class pattern requires.
 */
export function stateModifier(state: string): string {
  const word = state.split(/\s/)[0] ?? '';
  return word.toLowerCase().replace(/[^a-z]/g, '') || 'unknown';
}

/**
 * Whether a job is the one this JupyterLab runs in: `sessionJobId` is the
 * server's `SLURM_JOB_ID` (`GET info`), which is squeue's id, or its unique
 * `%A` for an array task; never a pending range's.
 */
export function isSessionJob(
  job: ISlurmJob,
  sessionJobId: string | null
): boolean {
  if (!sessionJobId) {
    return false;
  }
  return (
    job.id === sessionJobId ||
    (job.job_id === sessionJobId && !job.id.includes('['))
  );
}

/** Whether a job is waiting and can still be held. */
export function canHold(job: ISlurmJob): boolean {
  return job.state === 'PENDING' && !job.held;
}

/**
 * Whether Slurm may requeue a job: it must have started (a batch job that
 * runs, is suspended, or is finishing); Slurm itself says no to the rest.
 */
export function canRequeue(job: ISlurmJob): boolean {
  return job.state !== 'PENDING';
}

/** A job as one line of tab-separated text, times as squeue prints them. */
export function jobRowText(job: ISlurmJob): string {
  return [
    job.id,
    job.name,
    job.user,
    job.state,
    job.partition,
    job.nodes ?? '',
    formatDuration(job.time_used_s) ?? '',
    formatDuration(job.time_limit_s) ?? 'UNLIMITED',
    job.reason
  ].join('\t');
}

/** Whether a job is held and can be released. */
export function canRelease(job: ISlurmJob): boolean {
  return job.held;
}

/**
 * The jobs whose text matches every word of the filter, case-insensitive,
 * in any of the id, name, user, state, partition and reason.
 */
export function filterJobs(
  jobs: readonly ISlurmJob[],
  filter: string
): readonly ISlurmJob[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) {
    return jobs;
  }
  return jobs.filter(job => {
    const text = [
      job.id,
      job.name,
      job.user,
      job.state,
      job.partition,
      job.reason
    ]
      .join('\n')
      .toLowerCase();
    return words.every(word => text.includes(word));
  });
}

/** The jobs in the given order; a new array, ties kept in server order. */
export function sortJobs(jobs: readonly ISlurmJob[], sort: ISort): ISlurmJob[] {
  const sign = sort.ascending ? 1 : -1;
  return jobs
    .map((job, index) => ({ job, index }))
    .sort(
      (a, b) =>
        sign * Private.compare(a.job, b.job, sort.key) || a.index - b.index
    )
    .map(entry => entry.job);
}

/**
 * The ids to send to the server to act on a job exactly.
 *
 * The server takes `N`, `N_M` and `N+M`. A pending array range such as
 * `5_[1-3,7]` becomes its tasks, so that cancelling it leaves the array's
 * running tasks alone; a range too big for that falls back to the job id
 * (`whole` is then true: the action reaches every task of the array).
 */
export function actionIds(job: ISlurmJob): { ids: string[]; whole: boolean } {
  if (Private.VALID_ID.test(job.id)) {
    return { ids: [job.id], whole: false };
  }
  const match = /^(\d+)_\[([^\]]+)\]$/.exec(job.id);
  if (match) {
    const tasks = expandRange(match[2], MAX_ARRAY_TASKS);
    if (tasks) {
      return { ids: tasks.map(task => `${match[1]}_${task}`), whole: false };
    }
  }
  if (Private.VALID_ID.test(job.job_id)) {
    return { ids: [job.job_id], whole: true };
  }
  return { ids: [], whole: false };
}

/**
 * The indices of a Slurm array range (`1-3,7,10-20:5%2`), or null when it
 * is not one or holds more than `max` tasks.
 */
export function expandRange(range: string, max: number): number[] | null {
  const spec = range.split('%')[0];
  const tasks: number[] = [];
  for (const part of spec.split(',')) {
    const match = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!match) {
      return null;
    }
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (last < first || step < 1) {
      return null;
    }
    if (tasks.length + Math.floor((last - first) / step) + 1 > max) {
      return null;
    }
    for (let task = first; task <= last; task += step) {
      tasks.push(task);
    }
  }
  return tasks.length ? tasks : null;
}

namespace Private {
  /** The job ids the server accepts. */
  export const VALID_ID = /^(\d+|\d+_\d+|\d+\+\d+)$/;

  /** Compare two strings the way people count: `job2` before `job10`. */
  export function natural(a: string, b: string): number {
    return a.localeCompare(b, undefined, { numeric: true });
  }

  /**
   * Compare job ids by job number, then task (a range by its first task,
   * a plain job before its tasks): `9`, `9_[1-2]`, `9_10`, `10`.
   */
  export function idOrder(a: string, b: string): number {
    const key = (id: string): [number, number] => {
      const match = /^(\d+)(?:[_+]\[?(\d+))?/.exec(id);
      return match
        ? [Number(match[1]), match[2] === undefined ? -1 : Number(match[2])]
        : [Infinity, -1];
    };
    const [jobA, taskA] = key(a);
    const [jobB, taskB] = key(b);
    return jobA - jobB || taskA - taskB || natural(a, b);
  }

  /** Compare numbers, unknown ones last. */
  export function numbers(a: number | null, b: number | null): number {
    if (a === null || b === null) {
      return a === b ? 0 : a === null ? 1 : -1;
    }
    return a - b;
  }

  /** Compare two jobs by one column. */
  export function compare(a: ISlurmJob, b: ISlurmJob, key: SortKey): number {
    switch (key) {
      case 'id':
        return idOrder(a.id, b.id);
      case 'time':
        return numbers(a.time_used_s, b.time_used_s);
      case 'nodes':
        return natural(a.nodes ?? '', b.nodes ?? '');
      case 'start':
        // Jobs without a start (or an estimate of one) last.
        return numbers(
          a.start_time ? Date.parse(a.start_time) : null,
          b.start_time ? Date.parse(b.start_time) : null
        );
      default:
        return natural(String(a[key] ?? ''), String(b[key] ?? ''));
    }
  }
}

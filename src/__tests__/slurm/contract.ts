/**
 * Examples of the Slurm answers written from the API contract, used until
 * the server's golden files (tests/golden/slurm-*.json) exist; see
 * `fakes.ts`, which prefers the golden files.
 */
import {
  ISlurmHistory,
  ISlurmJob,
  ISlurmJobDetails,
  ISlurmJobs,
  ISlurmSubmitResult
} from '../../api/types';

/** A job with every field set; `overrides` change some. */
export function job(overrides: Partial<ISlurmJob> = {}): ISlurmJob {
  return {
    id: '1234',
    job_id: '1234',
    array_task_id: null,
    name: 'train',
    user: 'alice',
    state: 'RUNNING',
    partition: 'debug',
    nodes: 'localhost',
    num_nodes: 1,
    time_used_s: 12,
    time_limit_s: 3600,
    reason: 'None',
    held: false,
    submit_time: '2026-11-23T09:00:00.000Z',
    work_dir: '/home/alice',
    start_time: '2026-11-23T09:00:05.000Z',
    queue_position: null,
    ...overrides
  };
}

/** `GET slurm/jobs` with a running job, an array, a held job and a het job. */
export const JOBS: ISlurmJobs = {
  jobs: [
    job(),
    job({ id: '1235_3', job_id: '1238', array_task_id: '3', name: 'sweep' }),
    job({
      id: '1236_[1-3]',
      job_id: '1236',
      array_task_id: '[1-3]',
      name: 'my job & <x>',
      state: 'PENDING',
      nodes: null,
      time_used_s: 0,
      reason: 'Resources',
      start_time: '2026-11-23T11:40:00.000Z',
      queue_position: 3
    }),
    job({
      id: '1237',
      job_id: '1237',
      name: "it's held",
      state: 'PENDING',
      nodes: null,
      time_used_s: 0,
      time_limit_s: null,
      reason: 'JobHeldUser',
      held: true,
      start_time: null
    }),
    job({ id: '1239+0', job_id: '1239', name: 'het', state: 'COMPLETING' })
  ],
  scope: 'mine',
  user: 'alice',
  fetched_at: '2026-11-23T09:00:00.000Z',
  stale: false,
  error: null,
  poll_interval_s: 15,
  events: [],
  last_event: 0
};

/** `GET slurm/jobs/1234`. */
export const JOB: ISlurmJobDetails = {
  id: '1234',
  fields: {
    JobId: '1234',
    JobName: 'train',
    UserId: 'alice(1001)',
    JobState: 'RUNNING',
    Partition: 'debug',
    TimeLimit: '01:00:00',
    WorkDir: '/home/alice',
    StdOut: '/home/alice/slurm-1234.out',
    StdErr: '/scratch/alice/slurm-1234.err'
  },
  stdout_path: '/home/alice/slurm-1234.out',
  stderr_path: '/scratch/alice/slurm-1234.err',
  stdout_relative: 'slurm-1234.out',
  stderr_relative: null
};

/** `GET slurm/history` with job accounting. */
export const HISTORY: ISlurmHistory = {
  available: true,
  source: 'sacct -c',
  reason: null,
  jobs: [
    {
      id: '1200',
      name: 'done',
      user: 'alice',
      state: 'COMPLETED',
      partition: 'debug',
      nodes: 'localhost',
      submit_time: '2026-11-22T08:00:00.000Z',
      start_time: '2026-11-22T08:00:01.000Z',
      end_time: '2026-11-22T08:10:01.000Z',
      elapsed_s: 600,
      exit_code: '0:0',
      work_dir: '/home/alice',
      time_limit_s: 3600,
      cpus: 2,
      total_cpu_s: 480,
      cpu_efficiency: 0.4,
      max_rss_bytes: 104857600,
      req_mem_bytes: 536870912,
      energy_joules: 18000,
      co2_grams: 0.28
    }
  ],
  emission_factor_g_per_kwh: 56
};

/** `POST slurm/jobs` (201). */
export const SUBMIT: ISlurmSubmitResult = {
  id: '1240',
  message: 'Submitted batch job 1240'
};

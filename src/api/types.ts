/**
 * Response types of the jupyterlab-hpc HTTP API (v1).
 *
 * Keys are exactly those the server sends (see DESIGN.md and tests/golden/),
 * so they stay snake_case.
 */

/** Which capabilities the server has turned on. */
export interface IFeatures {
  memory: boolean;
  cpu_power: boolean;
  gpu_power: boolean;
  emissions: boolean;
  slurm: boolean;
  apps: boolean;
  filesystems: boolean;
  /** Whether environment modules (Lmod, Tcl Environment Modules) can be used here. */
  modules: boolean;
}

/** `GET info`: what the server can do and where it runs. */
export interface IInfo {
  version: string;
  features: IFeatures;
  sandbox: { enabled: boolean; reason: string | null };
  banner: { text: string; level: string } | null;
  job: {
    id: string;
    time_limit_s: number | null;
    end_time: string | null;
  } | null;
  /** Set when a JupyterHub started this server: the sign that a hub is present. */
  hub: { control_panel_url: string; logout_url: string } | null;
  sample_interval_s?: number;
}

/**
 * `POST session/end` (202): the hub was asked to stop this server, which ends
 * its Slurm job; `message` says so.
 */
export interface IEndSessionResult {
  message: string;
}

/** Where the memory limit was found. */
export type LimitSource = 'cgroup-v2' | 'cgroup-v1' | 'slurm' | 'env' | 'host';

/** The memory section of a metrics snapshot. */
export interface IMemoryReading {
  available: boolean;
  used_bytes: number | null;
  limit_bytes: number | null;
  limit_source: LimitSource | null;
  limit_detail?: string | null;
  used_source?: 'cgroup' | 'processes' | null;
  reason: string | null;
}

/** Where the CPU limit was found. */
export type CpuLimitSource =
  'cgroup-v2' | 'cgroup-v1' | 'slurm' | 'affinity' | 'node';

/** The `cpu` section of a metrics snapshot: cores busy against the cores the job may use. */
export interface ICpuReading {
  available: boolean;
  /** Cores busy on average since the previous sample; null at the first sample. */
  used_cores: number | null;
  limit_cores: number | null;
  limit_source: CpuLimitSource | null;
  /** The cgroup file or environment variable the limit was read from. */
  limit_detail?: string | null;
  used_source?: 'cgroup' | 'processes' | null;
  reason: string | null;
}

/** The `cpu_power` section of a metrics snapshot (RAPL). */
export interface ICpuPowerReading {
  available: boolean;
  /** Average watts since the previous sample (this server's share, or the node's). */
  watts: number | null;
  /** The packages' long-term power limit, or null when none is set. */
  limit_watts: number | null;
  reason: string | null;
  attribution?: 'process' | 'node';
  /** Packages + DRAM power of the whole node. */
  node_watts?: number | null;
  /** This server's share of the node's CPU time, when attribution is 'process'. */
  share?: number | null;
  zones?: { name: string; watts: number | null }[];
  source?: string;
}

/** One GPU of the job. */
export interface IGpuDevice {
  index: number;
  uuid: string;
  name: string | null;
  watts: number | null;
  limit_watts: number | null;
  utilization_percent: number | null;
  memory_used_bytes: number | null;
  memory_total_bytes: number | null;
}

/** The `gpu_power` section of a metrics snapshot: the job's own GPUs only. */
export interface IGpuPowerReading {
  available: boolean;
  watts: number | null;
  limit_watts: number | null;
  devices: IGpuDevice[];
  reason: string | null;
  backend?: 'nvml' | 'nvidia-smi' | null;
  visibility?: string;
}

/** A power section, CPU or GPU. */
export type IPowerReading = ICpuPowerReading | IGpuPowerReading;

/** Whether the emission factor is fresh, old, a static estimate or configured. */
export type FactorStatus = 'live' | 'stale' | 'estimated' | 'static';

/** The emissions section of a metrics snapshot. */
export interface IEmissionsReading {
  available: boolean;
  factor_g_per_kwh: number | null;
  factor_source: string | null;
  factor_time: string | null;
  energy_wh: number | null;
  co2_g: number | null;
  since: string | null;
  reason: string | null;
  factor_status?: FactorStatus | null;
  factor_age_s?: number | null;
  factor_basis?: string | null;
}

/** One kernel of this server, counted with every process it started. */
export interface IKernelUsage {
  /** The kernel's id, as the kernels API knows it. */
  id: string;
  pid: number;
  /** The resident memory of the kernel's whole process tree. */
  memory_bytes: number;
  /** Cores busy over the last sample interval; null at a kernel's first sample. */
  cpu_cores: number | null;
  /** The kernel and the processes it started. */
  processes: number;
}

/**
 * The `kernels` section of a metrics snapshot: largest memory first; a kernel
 * whose process the server does not know (remote, gateway) is absent.
 */
export interface IKernelsReading {
  available: boolean;
  kernels: IKernelUsage[];
  reason: string | null;
}

/** `GET metrics`: the latest snapshot of the server's sampler. */
export interface IMetrics {
  time: string;
  memory: IMemoryReading;
  /** Absent from servers older than the CPU meter. */
  cpu?: ICpuReading;
  cpu_power: ICpuPowerReading;
  gpu_power: IGpuPowerReading;
  emissions: IEmissionsReading;
  /** Absent from servers older than the per-kernel usage. */
  kernels?: IKernelsReading;
}

/** One sample of `GET metrics/history`. */
export interface IHistorySample {
  time: string;
  memory_used_bytes: number | null;
  cpu_watts: number | null;
  gpu_watts: number | null;
  co2_g: number | null;
  /** Absent from servers older than the CPU and GPU series. */
  memory_limit_bytes?: number | null;
  cpu_used_cores?: number | null;
  cpu_limit_cores?: number | null;
  /** The mean utilisation of the job's GPUs. */
  gpu_utilization_percent?: number | null;
  /** Memory in use on the job's GPUs, summed. */
  gpu_memory_used_bytes?: number | null;
}

/** `GET metrics/history`. */
export interface IHistory {
  samples: IHistorySample[];
}

/** Whose jobs `GET slurm/jobs` lists: the server's OS user's, or everyone's. */
export type SlurmScope = 'mine' | 'all';

/** One line of `squeue`, parsed by the server; text exactly as Slurm prints it. */
export interface ISlurmJob {
  /** The id as squeue's `%i` prints it: `1234`, `1235_3`, `1236_[1-3]`, `1237+0`. */
  id: string;
  /** The numeric job id (`%A`). */
  job_id: string;
  /** The array index or range (`%K`), null outside arrays. */
  array_task_id: string | null;
  name: string;
  user: string;
  /** The long state, e.g. `PENDING`, `RUNNING`, `COMPLETING`. */
  state: string;
  partition: string;
  /** The node list, null while pending. */
  nodes: string | null;
  num_nodes: number;
  time_used_s: number | null;
  /** Null when unlimited. */
  time_limit_s: number | null;
  /** Why the job waits, e.g. `Resources`, `JobHeldUser`, or `None`. */
  reason: string;
  held: boolean;
  submit_time: string | null;
  work_dir: string | null;
  /**
   * When a running job started; for a pending job Slurm's estimate of its
   * start (squeue's `%S`), null when Slurm has none yet.
   */
  start_time: string | null;
  /**
   * A pending job's place among the pending jobs of its partition by
   * priority (1: the next to start), null when not pending or not known.
   */
  queue_position: number | null;
}

/** What happened to one of the user's jobs between two reads of the queue. */
export type SlurmEventKind =
  | 'started'
  | 'completed'
  | 'failed'
  | 'out_of_memory'
  | 'timeout'
  | 'cancelled'
  | 'requeued';

/** A change of one of the user's jobs, for a notification. */
export interface ISlurmEvent {
  /** Increasing over the server's life: ask `events_after` the last one seen. */
  seq: number;
  kind: SlurmEventKind;
  /** The job id as squeue prints it. */
  id: string;
  name: string;
  /** The state Slurm gave: `RUNNING`, `COMPLETED`, `FAILED`, `OUT_OF_MEMORY`… */
  state: string;
  /** `exit:signal` as sacct prints it, null when not known. */
  exit_code: string | null;
  /** When the server saw the change (ISO, UTC). */
  time: string;
}

/** `GET slurm/jobs`: the queue as the server last saw it. */
export interface ISlurmJobs {
  jobs: ISlurmJob[];
  scope: SlurmScope;
  /** The OS user the server (and every Slurm command) runs as. */
  user: string;
  /** When these data were fetched from squeue. */
  fetched_at: string | null;
  /** Whether the last squeue failed and these data are older. */
  stale: boolean;
  /** The failure text of the last squeue, when it failed. */
  error: string | null;
  /** How often the server refreshes its cache, in seconds. */
  poll_interval_s: number;
  /**
   * The user's job changes after `events_after` (oldest first); empty when
   * the request did not ask for any.
   */
  events: ISlurmEvent[];
  /** The seq of the newest event the server holds (0: none yet). */
  last_event: number;
}

/** The body of `POST slurm/jobs`: a script file, or a script's text and folder. */
export type SlurmSubmitRequest =
  { path: string } | { script: string; cwd: string };

/** `POST slurm/jobs` (201): the new job and sbatch's own message. */
export interface ISlurmSubmitResult {
  id: string;
  message: string;
}

/** `GET slurm/jobs/{id}`: every `scontrol show job -o` field and the output files. */
export interface ISlurmJobDetails {
  id: string;
  fields: { [key: string]: string };
  stdout_path: string | null;
  stderr_path: string | null;
  /** Relative to the server root, or null when outside it. */
  stdout_relative: string | null;
  stderr_relative: string | null;
}

/** One finished job of `GET slurm/history`. */
export interface ISlurmHistoryJob {
  id: string;
  name: string;
  user: string;
  state: string;
  partition: string;
  nodes: string | null;
  submit_time: string | null;
  start_time: string | null;
  end_time: string | null;
  elapsed_s: number | null;
  exit_code: string | null;
  work_dir: string | null;
  /** The time limit, null when unlimited or not accounted. */
  time_limit_s: number | null;
  /** CPUs allocated to the job. */
  cpus: number | null;
  /** CPU time all its processes used (sacct's TotalCPU), in seconds. */
  total_cpu_s: number | null;
  /** total_cpu_s / (elapsed_s × cpus), 0 to 1; null when not computable. */
  cpu_efficiency: number | null;
  /** The largest resident memory of any of its steps (MaxRSS). */
  max_rss_bytes: number | null;
  /** The memory it asked for (ReqMem), over all its nodes. */
  req_mem_bytes: number | null;
  /** ConsumedEnergy; null when the cluster does not measure it. */
  energy_joules: number | null;
  /** energy_joules at the emission factor in force; null without either. */
  co2_grams: number | null;
}

/** `GET slurm/history`: finished jobs, or why the cluster keeps none. */
export interface ISlurmHistory {
  available: boolean;
  /** `sacct` (slurmdbd) or `sacct -c` (a job completion file only). */
  source: string | null;
  reason: string | null;
  jobs: ISlurmHistoryJob[];
  /** The factor co2_grams were computed with, null when none is known. */
  emission_factor_g_per_kwh: number | null;
}

/** One partition of `GET slurm/partitions`, with what a job may ask of it. */
export interface ISlurmPartition {
  name: string;
  /** Whether jobs that name no partition go here. */
  default: boolean;
  /** `up`, `down`, `drain`, `inactive`. */
  state: string;
  /** Null when unlimited. */
  max_time_s: number | null;
  /** Null when the partition sets none (the max applies). */
  default_time_s: number | null;
  /** How many nodes it has. */
  nodes: number;
  /** Null when unlimited (then `nodes` is the bound). */
  max_nodes: number | null;
  /** The most CPUs one of its nodes has. */
  cpus_per_node: number;
  /** The most memory one of its nodes has, in MiB. */
  memory_per_node_mb: number;
  /** The most GPUs one of its nodes has (from its GRES), 0 for none. */
  gpus_per_node: number;
  /** Its nodes' GRES as sinfo prints them, e.g. `gpu:a100:4`. */
  gres: string[];
}

/** `GET slurm/partitions`: where and as whom a new job may run. */
export interface ISlurmPartitions {
  partitions: ISlurmPartition[];
  /** The user's accounts (empty where the cluster keeps no associations). */
  accounts: string[];
  default_account: string | null;
  /** The QoS the user may ask for (empty where there are none). */
  qos: string[];
}

/** An admin's batch script template (`c.HPCSlurm.templates`). */
export interface ISlurmTemplate {
  name: string;
  description: string;
  /**
   * The script body after the `#SBATCH` lines the form writes; `{{key}}`
   * placeholders take the form's values (job_name, partition, time, nodes,
   * ntasks, cpus_per_task, mem, gpus, account, qos, output).
   */
  script: string;
  /** Form values the template starts from (same keys, as strings). */
  defaults: { [key: string]: string };
}

/** `GET slurm/templates`. */
export interface ISlurmTemplates {
  templates: ISlurmTemplate[];
}

/** A launcher category and its place in the launcher (lower first). */
export interface IAppCategory {
  name: string;
  rank: number;
}

/** One application of the catalogue (`c.HPCApps.apps`). */
export interface IAppSpec {
  name: string;
  title: string;
  /** The launcher category of its tile, e.g. `Applications`. */
  category: string;
  /** How many instances may run at once, as endpoints 0…N-1. */
  endpoints: number;
  /** An SVG: an absolute path on the Jupyter origin, an https URL, or null. */
  icon_url: string | null;
  /** What to type as arguments, e.g. `--logdir is required`. */
  args_hint: string | null;
  docs_url: string | null;
  /** Whether it can start here (its executable was found). */
  available: boolean;
  /** Why it cannot start, when it cannot. */
  reason: string | null;
  /** The environment modules loaded before it starts, each with its versions. */
  modules: IAppModule[];
}

/** An environment module an app loads (`c.HPCApps.apps[...]['modules']`). */
export interface IAppModule {
  /** The configured module's full name, e.g. `tensorboard/2.18`. */
  module: string;
  /** Every version of the same module that exists, the configured one included. */
  versions: string[];
}

/** A documentation tile (`c.HPCApps.documentation`). */
export interface IDocumentationLink {
  title: string;
  url: string;
}

/** A dashboard served by a program the user starts (Dask, Ray). */
export interface IDashboardSpec {
  name: string;
  title: string;
  category: string;
  /** The port the program listens on unless told otherwise. */
  default_port: number;
  /** The dashboard's page under that port, e.g. `/status`. */
  path: string;
  icon_url: string | null;
  docs_url: string | null;
}

/** `GET apps`: the launcher's categories and tiles. */
export interface IApps {
  categories: IAppCategory[];
  apps: IAppSpec[];
  documentation: IDocumentationLink[];
  dashboards: IDashboardSpec[];
}

/** The body of `POST apps/{name}/{endpoint}`. */
export interface IAppLaunchRequest {
  /** The arguments as typed, shell-like; the server splits and expands them. */
  args: string;
  /** Extra environment variables. */
  env: { [name: string]: string };
  /**
   * The version of each configured module to load, in the configured order;
   * the configured ones when absent.
   */
  modules?: string[];
}

/** Where an app instance is in its life. */
export type AppState =
  'starting' | 'running' | 'stopping' | 'exited' | 'failed';

/** One app instance: `POST apps/{name}/{endpoint}` and `GET apps/running`. */
export interface IAppInstance {
  name: string;
  title: string;
  endpoint: number;
  /** The app's own URL, an absolute path on the Jupyter origin. */
  url: string;
  /** The URL to open in the browser: `url`, maybe with a query. */
  open_url: string;
  state: AppState;
  pid: number | null;
  started: string | null;
  exit_code: number | null;
  /** Why it failed or exited, or what it is doing. */
  message: string | null;
  /** The arguments it was started with, as typed. */
  args: string;
  /** The names (never the values) of the variables it was given. */
  env_names: string[];
  /** The environment modules loaded before it started, as full names. */
  modules: string[];
  /** `GET apps/{name}/{endpoint}/log`, an absolute path. */
  log_url: string;
}

/** `GET apps/running`. */
export interface IRunningApps {
  instances: IAppInstance[];
}

/** `POST dashboards/{name}`: something answers on that port; open `url`. */
export interface IDashboardCheck {
  name: string;
  port: number;
  /** The dashboard through the proxy, an absolute path on the Jupyter origin. */
  url: string;
}

/** A filesystem as the user or the admin writes it: a name and an `osfs:///…` URL. */
export interface IFilesystemEntry {
  name: string;
  url: string;
}

/** `GET filesystems`: the admin's allowed roots and defaults, and what is mounted. */
export interface IFilesystems {
  allowed_roots: string[];
  defaults: IFilesystemEntry[];
  mounted: (IFilesystemEntry & { root: string })[];
}

/** One entry checked by the server: its real folder, or why it cannot be mounted. */
export interface IFilesystemCheck extends IFilesystemEntry {
  valid: boolean;
  root: string | null;
  message: string | null;
}

/** `POST filesystems/validate` and `PUT filesystems/mounts`. */
export interface IFilesystemChecks {
  filesystems: IFilesystemCheck[];
}

/** A kernel found inside an environment module. */
export interface IModuleKernel {
  /** The kernelspec name, `module-<slug>`, as `GET /api/kernelspecs` lists it. */
  name: string;
  /** What the launcher shows, e.g. `Python 3 (pytorch/2.1)`. */
  display_name: string;
  /** The module loaded (after a purge) before the kernel starts. */
  module: string;
}

/** `GET modules` and `POST modules/kernels/refresh`: the environment modules of the server. */
export interface IModules {
  /** Whether a module command was found and answers. */
  available: boolean;
  /** Which implementation: Lmod or Tcl Environment Modules. */
  kind: 'lmod' | 'tcl' | null;
  /** Why modules cannot be used, when they cannot. */
  reason: string | null;
  /** Every module that can be loaded, as full names (`python/3.11`). */
  modules: string[];
  /** The modules loaded in the server's own environment (`LOADEDMODULES`). */
  loaded: string[];
  /** The kernels found inside modules. */
  kernels: IModuleKernel[];
  /** When the kernels were last looked for, or null before the first search. */
  refreshed_at: string | null;
  /** Whether a search is under way. */
  refreshing: boolean;
  /** How long the kernels found are kept before the next search, in seconds. */
  ttl_s: number;
}

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
  hub: { control_panel_url: string; logout_url: string } | null;
  sample_interval_s?: number;
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

/** `GET metrics`: the latest snapshot of the server's sampler. */
export interface IMetrics {
  time: string;
  memory: IMemoryReading;
  cpu_power: ICpuPowerReading;
  gpu_power: IGpuPowerReading;
  emissions: IEmissionsReading;
}

/** One sample of `GET metrics/history`. */
export interface IHistorySample {
  time: string;
  memory_used_bytes: number | null;
  cpu_watts: number | null;
  gpu_watts: number | null;
  co2_g: number | null;
}

/** `GET metrics/history`. */
export interface IHistory {
  samples: IHistorySample[];
}

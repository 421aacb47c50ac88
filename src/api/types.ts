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

/** A power section (CPU or GPU) of a metrics snapshot. */
export interface IPowerReading {
  available: boolean;
  watts: number | null;
  limit_watts: number | null;
  reason: string | null;
  devices?: unknown[];
}

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
}

/** `GET metrics`: the latest snapshot of the server's sampler. */
export interface IMetrics {
  time: string;
  memory: IMemoryReading;
  cpu_power: IPowerReading;
  gpu_power: IPowerReading;
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

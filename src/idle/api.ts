import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { API_NAMESPACE, HPCRequestError } from '../api/client';

/** Who says after how long an idle server is stopped (`GET idle`). */
export type CullSource = 'config' | 'environment' | 'server';

/** The opt-in end of this server's idle Slurm job. */
export interface IEndJob {
  /** Whether the job ends after `after_s` idle seconds. */
  enabled: boolean;
  /** Idle seconds after which it ends, null when off. */
  after_s: number | null;
  /** How many seconds before the end the page warns. */
  warn_s: number;
  /** Seconds until it ends; null when off or outside a Slurm job. */
  ends_in_s: number | null;
  /** The server's own job (SLURM_JOB_ID), null outside Slurm. */
  job_id: string | null;
}

/** `GET idle`. */
export interface IIdleState {
  /** Seconds since the last activity: kernels, apps, the user's actions. */
  idle_s: number;
  /** When that was (ISO 8601, UTC). */
  last_activity: string;
  /** The culler's timeout, null when unknown. */
  cull_timeout_s: number | null;
  cull_source: CullSource | null;
  /** Seconds until the culler may stop the server, null when unknown. */
  culled_in_s: number | null;
  end_job: IEndJob;
}

/** The idle routes of the jupyterlab-hpc API. */
export interface IIdleClient {
  /** `GET idle`. */
  state(): Promise<IIdleState>;
  /** `POST idle/activity`: the user acted in the page. */
  reportActivity(): Promise<void>;
  /** `PUT idle/end-job`: end the job after `afterMinutes` idle, 0 for never. */
  setEndJob(afterMinutes: number): Promise<IEndJob>;
}

/** The client of the idle routes, through the Jupyter server's connection. */
export class IdleClient implements IIdleClient {
  constructor(options: IdleClient.IOptions) {
    this._settings = options.serverSettings;
  }

  async state(): Promise<IIdleState> {
    return (await this._request('GET', 'idle')) as IIdleState;
  }

  async reportActivity(): Promise<void> {
    await this._request('POST', 'idle/activity');
  }

  async setEndJob(afterMinutes: number): Promise<IEndJob> {
    const body =
      afterMinutes > 0
        ? { enabled: true, after_minutes: afterMinutes }
        : { enabled: false };
    return (await this._request('PUT', 'idle/end-job', body)) as IEndJob;
  }

  private async _request(
    method: string,
    path: string,
    body?: unknown
  ): Promise<unknown> {
    const url = URLExt.join(this._settings.baseUrl, API_NAMESPACE, path);
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this._settings);
    } catch (error) {
      throw new HPCRequestError({
        status: 0,
        url,
        message: `The Jupyter server cannot be reached: ${error}`
      });
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const message =
        (parsed as { message?: string } | undefined)?.message ??
        `${response.status} ${response.statusText}`;
      throw new HPCRequestError({ status: response.status, url, message });
    }
    return parsed;
  }

  private _settings: ServerConnection.ISettings;
}

/** A namespace for `IdleClient` statics. */
export namespace IdleClient {
  /** The options of the idle client. */
  export interface IOptions {
    /** Where the Jupyter server is, with its base URL and credentials. */
    serverSettings: ServerConnection.ISettings;
  }
}

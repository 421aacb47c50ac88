import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';

import {
  IHistory,
  IInfo,
  IMetrics,
  ISlurmHistory,
  ISlurmJobDetails,
  ISlurmJobs,
  ISlurmSubmitResult,
  SlurmScope,
  SlurmSubmitRequest
} from './types';

/** The path of every route under the server's base URL. */
export const API_NAMESPACE = 'jupyterlab-hpc';

/** The one typed client of the jupyterlab-hpc HTTP API. */
export interface IHPCClient {
  /** The server connection settings the client uses. */
  readonly serverSettings: ServerConnection.ISettings;
  /** `GET info`. */
  info(): Promise<IInfo>;
  /** `GET metrics`. */
  metrics(): Promise<IMetrics>;
  /** `GET metrics/history`, samples strictly after `since` when given. */
  history(since?: Date): Promise<IHistory>;
  /**
   * `GET slurm/jobs`: the queue, the user's jobs or everyone's. The browser
   * may reuse an answer until the server's next squeue; `fresh` skips that
   * (after a submit, cancel, hold or release).
   */
  slurmJobs(
    scope: SlurmScope,
    options?: { fresh?: boolean }
  ): Promise<ISlurmJobs>;
  /** `POST slurm/jobs`: sbatch a script file, or a script's text in a folder. */
  submitJob(request: SlurmSubmitRequest): Promise<ISlurmSubmitResult>;
  /** `GET slurm/jobs/{id}`: every field scontrol knows of one job. */
  jobDetails(id: string): Promise<ISlurmJobDetails>;
  /** `DELETE slurm/jobs/{id}`: scancel. */
  cancelJob(id: string): Promise<void>;
  /** `POST slurm/jobs/{id}/hold`. */
  holdJob(id: string): Promise<void>;
  /** `POST slurm/jobs/{id}/release`. */
  releaseJob(id: string): Promise<void>;
  /** `GET slurm/history`: jobs finished in the last `days` (server default 7). */
  slurmHistory(days?: number): Promise<ISlurmHistory>;
}

/** The token of the API client. */
export const IHPCClient = new Token<IHPCClient>(
  'jupyterlab-hpc:IHPCClient',
  'The HTTP client of the jupyterlab-hpc server extension.'
);

/**
 * A failed API call: the HTTP status (0 when no answer came) and the
 * server's own message, ready to show to the user.
 */
export class HPCRequestError extends Error {
  constructor(options: HPCRequestError.IOptions) {
    super(options.message);
    this.name = 'HPCRequestError';
    this.status = options.status;
    this.url = options.url;
  }

  /** HTTP status code, or 0 for a network failure. */
  readonly status: number;

  /** The URL that was requested. */
  readonly url: string;

  /** Whether the request never got an HTTP answer. */
  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /** Whether the server refused the request (4xx). */
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }

  /** Whether the server failed (5xx). */
  get isServerError(): boolean {
    return this.status >= 500;
  }
}

/** A namespace for `HPCRequestError` statics. */
export namespace HPCRequestError {
  /** The fields of a request error. */
  export interface IOptions {
    status: number;
    message: string;
    url: string;
  }
}

/** The HTTP client; the only place that talks to the server. */
export class HPCClient implements IHPCClient {
  constructor(options: HPCClient.IOptions) {
    this.serverSettings = options.serverSettings;
  }

  readonly serverSettings: ServerConnection.ISettings;

  info(): Promise<IInfo> {
    // Plugins that start together share one request (the handshake, the
    // job's time left) instead of each asking the server.
    if (!this._info) {
      this._info = this._get<IInfo>('info').finally(() => {
        this._info = null;
      });
    }
    return this._info;
  }

  metrics(): Promise<IMetrics> {
    // The server marks snapshots cacheable until its next sample, so tabs of
    // one browser share a response instead of each asking the server.
    return this._get<IMetrics>('metrics', { cache: 'default' });
  }

  history(since?: Date): Promise<IHistory> {
    const query = since
      ? `?since=${encodeURIComponent(since.toISOString())}`
      : '';
    return this._get<IHistory>(`metrics/history${query}`);
  }

  slurmJobs(
    scope: SlurmScope,
    options: { fresh?: boolean } = {}
  ): Promise<ISlurmJobs> {
    return this._get<ISlurmJobs>(
      `slurm/jobs?scope=${encodeURIComponent(scope)}`,
      { cache: options.fresh ? 'no-cache' : 'default' }
    );
  }

  async submitJob(request: SlurmSubmitRequest): Promise<ISlurmSubmitResult> {
    const { status, body, url } = await this._send(
      'POST',
      'slurm/jobs',
      request
    );
    return Private.requireJSON<ISlurmSubmitResult>(status, body, url);
  }

  jobDetails(id: string): Promise<ISlurmJobDetails> {
    return this._get<ISlurmJobDetails>(Private.jobPath(id));
  }

  async cancelJob(id: string): Promise<void> {
    await this._send('DELETE', Private.jobPath(id));
  }

  async holdJob(id: string): Promise<void> {
    await this._send('POST', `${Private.jobPath(id)}/hold`);
  }

  async releaseJob(id: string): Promise<void> {
    await this._send('POST', `${Private.jobPath(id)}/release`);
  }

  slurmHistory(days?: number): Promise<ISlurmHistory> {
    const query = days === undefined ? '' : `?days=${Math.round(days)}`;
    return this._get<ISlurmHistory>(`slurm/history${query}`);
  }

  private async _get<T>(path: string, init: RequestInit = {}): Promise<T> {
    const { status, body, url } = await this._request(path, {
      method: 'GET',
      ...init
    });
    return Private.requireJSON<T>(status, body, url);
  }

  /**
   * A request that changes something, with an optional JSON body; its answer
   * has no body (undefined) for a 204.
   */
  private _send(
    method: 'POST' | 'DELETE',
    path: string,
    body?: unknown
  ): Promise<Private.IAnswer> {
    // Only GET answers are cached: no cache-busting query for the others.
    const init: RequestInit = { method, cache: 'default' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    return this._request(path, init);
  }

  /** Make one request; its status and JSON answer, or an `HPCRequestError`. */
  private async _request(
    path: string,
    init: RequestInit
  ): Promise<Private.IAnswer> {
    const url = URLExt.join(this.serverSettings.baseUrl, API_NAMESPACE, path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        init,
        this.serverSettings
      );
    } catch (error) {
      throw new HPCRequestError({
        status: 0,
        url,
        message: Private.networkMessage(error)
      });
    }
    const body = await Private.readJSON(response);
    if (!response.ok) {
      throw new HPCRequestError({
        status: response.status,
        url,
        message: Private.errorMessage(response, body)
      });
    }
    return { status: response.status, body, url };
  }

  private _info: Promise<IInfo> | null = null;
}

/** A namespace for `HPCClient` statics. */
export namespace HPCClient {
  /** The options of the client. */
  export interface IOptions {
    /** Where the Jupyter server is, with its base URL and credentials. */
    serverSettings: ServerConnection.ISettings;
  }
}

namespace Private {
  /** A successful answer: its status and parsed JSON body, if any. */
  export interface IAnswer {
    status: number;
    body: unknown;
    url: string;
  }

  /** The body as `T`, or an error when the answer is not JSON. */
  export function requireJSON<T>(
    status: number,
    body: unknown,
    url: string
  ): T {
    if (body === undefined) {
      throw new HPCRequestError({
        status,
        url,
        message: `The server answered ${url} with something that is not JSON.`
      });
    }
    return body as T;
  }

  /** The route of one job; the server validates the id itself. */
  export function jobPath(id: string): string {
    return `slurm/jobs/${encodeURIComponent(id)}`;
  }

  /** The parsed JSON body, or undefined when there is none or it is not JSON. */
  export async function readJSON(response: Response): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch {
      return undefined;
    }
    if (!text) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  /** The server's `message` when it sent one, else the HTTP status text. */
  export function errorMessage(response: Response, body: unknown): string {
    if (body && typeof body === 'object' && 'message' in body) {
      const message = (body as { message: unknown }).message;
      if (typeof message === 'string' && message) {
        return message;
      }
    }
    return `${response.status} ${response.statusText || 'HTTP error'}`.trim();
  }

  /** A readable message for a request that got no answer at all. */
  export function networkMessage(error: unknown): string {
    const detail = error instanceof Error ? error.message : String(error);
    return `The Jupyter server could not be reached: ${detail}`;
  }
}

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';

import {
  IAppInstance,
  IAppLaunchRequest,
  IApps,
  IDashboardCheck,
  IEndSessionResult,
  IFilesystemChecks,
  IFilesystemEntry,
  IFilesystems,
  IHistory,
  IInfo,
  IRunningApps,
  IMetrics,
  IModules,
  ISlurmHistory,
  ISlurmJobDetails,
  ISlurmJobs,
  ISlurmPartitions,
  ISlurmSubmitResult,
  ISlurmTemplates,
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
    options?: { fresh?: boolean; eventsAfter?: number }
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
  /** `POST slurm/jobs/{id}/requeue` (or `requeue-hold`: requeued and held). */
  requeueJob(id: string, options?: { hold?: boolean }): Promise<void>;
  /** `GET slurm/history`: jobs finished in the last `days` (server default 7). */
  slurmHistory(days?: number): Promise<ISlurmHistory>;
  /** `GET slurm/partitions`: partitions and their limits, accounts, QoS. */
  slurmPartitions(): Promise<ISlurmPartitions>;
  /** `GET slurm/templates`: the admin's batch script templates. */
  slurmTemplates(): Promise<ISlurmTemplates>;
  /** `GET apps`: the launcher's categories, apps, dashboards and links. */
  apps(): Promise<IApps>;
  /** `POST apps/{name}/{endpoint}`: start an app (or reuse the same launch). */
  launchApp(
    name: string,
    endpoint: number,
    request: IAppLaunchRequest
  ): Promise<IAppInstance>;
  /** `GET apps/running`: every instance the server knows, whatever its state. */
  runningApps(): Promise<IRunningApps>;
  /** `DELETE apps/{name}/{endpoint}`: stop an instance (done when it is gone). */
  stopApp(name: string, endpoint: number): Promise<void>;
  /** `GET apps/{name}/{endpoint}/log`: the instance's recent output, as text. */
  appLog(name: string, endpoint: number): Promise<string>;
  /** `POST dashboards/{name}`: whether a dashboard answers on `port`, and its URL. */
  checkDashboard(name: string, port: number): Promise<IDashboardCheck>;
  /** `GET filesystems`: the admin's allowed roots and default filesystems. */
  filesystems(): Promise<IFilesystems>;
  /** `POST filesystems/validate`: check entries without mounting them. */
  validateFilesystems(entries: IFilesystemEntry[]): Promise<IFilesystemChecks>;
  /** `PUT filesystems/mounts`: mount the valid entries in place of the previous ones. */
  mountFilesystems(entries: IFilesystemEntry[]): Promise<IFilesystemChecks>;
  /** `GET modules`: the environment modules and the kernels found inside them. */
  modules(): Promise<IModules>;
  /**
   * `POST modules/kernels/refresh`: look for kernels in modules now; resolves
   * once the search is done (seconds on a large tree), with its result.
   */
  refreshModuleKernels(): Promise<IModules>;
  /**
   * `POST session/end`: ask the hub to stop this server, which ends its Slurm
   * job and releases the allocation (202). Rejects with the server's message:
   * 409 outside a hub or a job, 502 when the hub refused.
   */
  endSession(): Promise<IEndSessionResult>;
  /**
   * The text of an icon the server names (`icon_url`): only one under the
   * server's base URL, which gets the user's credentials; others reject.
   */
  iconSvg(url: string): Promise<string>;
  /**
   * A URL the server sent as an absolute path (`open_url`, `url`), made
   * absolute on the Jupyter origin, ready for `window.open` or an IFrame.
   */
  resolveUrl(url: string): string;
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
    options: { fresh?: boolean; eventsAfter?: number } = {}
  ): Promise<ISlurmJobs> {
    const events =
      options.eventsAfter === undefined
        ? ''
        : `&events_after=${Math.max(0, Math.floor(options.eventsAfter))}`;
    return this._get<ISlurmJobs>(
      `slurm/jobs?scope=${encodeURIComponent(scope)}${events}`,
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

  async requeueJob(
    id: string,
    options: { hold?: boolean } = {}
  ): Promise<void> {
    const action = options.hold ? 'requeue-hold' : 'requeue';
    await this._send('POST', `${Private.jobPath(id)}/${action}`);
  }

  slurmHistory(days?: number): Promise<ISlurmHistory> {
    const query = days === undefined ? '' : `?days=${Math.round(days)}`;
    return this._get<ISlurmHistory>(`slurm/history${query}`);
  }

  slurmPartitions(): Promise<ISlurmPartitions> {
    return this._get<ISlurmPartitions>('slurm/partitions');
  }

  slurmTemplates(): Promise<ISlurmTemplates> {
    return this._get<ISlurmTemplates>('slurm/templates');
  }

  apps(): Promise<IApps> {
    return this._get<IApps>('apps');
  }

  async launchApp(
    name: string,
    endpoint: number,
    request: IAppLaunchRequest
  ): Promise<IAppInstance> {
    const { status, body, url } = await this._send(
      'POST',
      Private.appPath(name, endpoint),
      request
    );
    return Private.requireJSON<IAppInstance>(status, body, url);
  }

  runningApps(): Promise<IRunningApps> {
    return this._get<IRunningApps>('apps/running');
  }

  async stopApp(name: string, endpoint: number): Promise<void> {
    await this._send('DELETE', Private.appPath(name, endpoint));
  }

  async appLog(name: string, endpoint: number): Promise<string> {
    const url = this._url(`${Private.appPath(name, endpoint)}/log`);
    const { text } = await this._request(url, { method: 'GET' });
    return text;
  }

  filesystems(): Promise<IFilesystems> {
    return this._get<IFilesystems>('filesystems');
  }

  async validateFilesystems(
    entries: IFilesystemEntry[]
  ): Promise<IFilesystemChecks> {
    const { status, body, url } = await this._send(
      'POST',
      'filesystems/validate',
      { filesystems: entries }
    );
    return Private.requireJSON<IFilesystemChecks>(status, body, url);
  }

  async mountFilesystems(
    entries: IFilesystemEntry[]
  ): Promise<IFilesystemChecks> {
    const { status, body, url } = await this._send(
      'PUT',
      'filesystems/mounts',
      { filesystems: entries }
    );
    return Private.requireJSON<IFilesystemChecks>(status, body, url);
  }

  async checkDashboard(name: string, port: number): Promise<IDashboardCheck> {
    const { status, body, url } = await this._send(
      'POST',
      `dashboards/${encodeURIComponent(name)}`,
      { port }
    );
    return Private.requireJSON<IDashboardCheck>(status, body, url);
  }

  modules(): Promise<IModules> {
    return this._get<IModules>('modules');
  }

  async refreshModuleKernels(): Promise<IModules> {
    const { status, body, url } = await this._send(
      'POST',
      'modules/kernels/refresh',
      {}
    );
    return Private.requireJSON<IModules>(status, body, url);
  }

  async endSession(): Promise<IEndSessionResult> {
    const { status, body, url } = await this._send('POST', 'session/end', {});
    return Private.requireJSON<IEndSessionResult>(status, body, url);
  }

  async iconSvg(url: string): Promise<string> {
    const absolute = this.resolveUrl(url);
    if (!absolute.startsWith(this.serverSettings.baseUrl)) {
      // Credentials go to the Jupyter server only.
      throw new HPCRequestError({
        status: 0,
        url: absolute,
        message: `${url} is not under the Jupyter server's base URL.`
      });
    }
    // Icons do not change while the page lives: let the browser cache them.
    const { text } = await this._request(absolute, {
      method: 'GET',
      cache: 'default'
    });
    return text;
  }

  resolveUrl(url: string): string {
    return new URL(url, this.serverSettings.baseUrl).href;
  }

  private async _get<T>(path: string, init: RequestInit = {}): Promise<T> {
    const { status, text, url } = await this._request(this._url(path), {
      method: 'GET',
      ...init
    });
    return Private.requireJSON<T>(status, Private.parseJSON(text), url);
  }

  /**
   * A request that changes something, with an optional JSON body; its answer
   * has no body (undefined) for a 204.
   */
  private async _send(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown
  ): Promise<Private.IAnswer> {
    // Only GET answers are cached: no cache-busting query for the others.
    const init: RequestInit = { method, cache: 'default' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const { status, text, url } = await this._request(this._url(path), init);
    return { status, body: Private.parseJSON(text), url };
  }

  /** The URL of a route of the API. */
  private _url(path: string): string {
    return URLExt.join(this.serverSettings.baseUrl, API_NAMESPACE, path);
  }

  /** Make one request; its status and text, or an `HPCRequestError`. */
  private async _request(
    url: string,
    init: RequestInit
  ): Promise<Private.ITextAnswer> {
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
    const text = await Private.readText(response);
    if (!response.ok) {
      throw new HPCRequestError({
        status: response.status,
        url,
        message: Private.errorMessage(response, Private.parseJSON(text))
      });
    }
    return { status: response.status, text, url };
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

  /** A successful answer as text (empty for a 204). */
  export interface ITextAnswer {
    status: number;
    text: string;
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

  /** The route of one app endpoint; the server validates both parts. */
  export function appPath(name: string, endpoint: number): string {
    return `apps/${encodeURIComponent(name)}/${encodeURIComponent(endpoint)}`;
  }

  /** The body's text, or an empty one when it cannot be read. */
  export async function readText(response: Response): Promise<string> {
    try {
      return await response.text();
    } catch {
      return '';
    }
  }

  /** The parsed JSON text, or undefined when there is none or it is not JSON. */
  export function parseJSON(text: string): unknown {
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

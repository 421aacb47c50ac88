/**
 * Test fakes built on the golden API answers that pytest also checks
 * against the real server (tests/golden/), so the two sides cannot drift.
 */
import { ServerConnection } from '@jupyterlab/services';
import * as fs from 'fs';
import * as path from 'path';

import { IHPCClient } from '../api/client';
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
} from '../api/types';
import * as modulesContract from './modules/contract';
import * as contract from './slurm/contract';

import goldenInfo from '../../tests/golden/info.json';
import goldenMetrics from '../../tests/golden/metrics.json';
import goldenHistory from '../../tests/golden/history.json';

/** A deep copy of the golden `GET info` answer. */
export function info(): IInfo {
  return JSON.parse(JSON.stringify(goldenInfo));
}

/** A deep copy of the golden `GET metrics` answer. */
export function metrics(): IMetrics {
  return JSON.parse(JSON.stringify(goldenMetrics));
}

/** A deep copy of the golden `GET metrics/history` answer. */
export function history(): IHistory {
  return JSON.parse(JSON.stringify(goldenHistory));
}

/**
 * A deep copy of a golden answer of the server (tests/golden/<name>), or of
 * the contract's example while the server side has not written it yet.
 */
function golden<T>(name: string, fallback: T): T {
  const file = path.join(__dirname, '..', '..', 'tests', 'golden', name);
  const value: unknown = fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, 'utf8'))
    : fallback;
  return JSON.parse(JSON.stringify(value));
}

/** `GET slurm/jobs`. */
export function slurmJobs(): ISlurmJobs {
  return golden('slurm-jobs.json', contract.JOBS);
}

/** `GET slurm/jobs/{id}`. */
export function slurmJob(): ISlurmJobDetails {
  return golden('slurm-job.json', contract.JOB);
}

/** `GET slurm/history`. */
export function slurmHistory(): ISlurmHistory {
  return golden('slurm-history.json', contract.HISTORY);
}

/** `GET slurm/partitions`. */
export function slurmPartitions(): ISlurmPartitions {
  return golden<ISlurmPartitions>('slurm-partitions.json', {
    partitions: [],
    accounts: [],
    default_account: null,
    qos: []
  });
}

/** `GET slurm/templates`. */
export function slurmTemplates(): ISlurmTemplates {
  return golden<ISlurmTemplates>('slurm-templates.json', { templates: [] });
}

/** `POST slurm/jobs`. */
export function slurmSubmit(): ISlurmSubmitResult {
  return golden('slurm-submit.json', contract.SUBMIT);
}

/** `GET apps`. */
export function apps(): IApps {
  return golden<IApps>('apps.json', {
    categories: [],
    apps: [],
    documentation: [],
    dashboards: []
  });
}

/** `POST apps/{name}/{endpoint}` (202). */
export function appLaunch(): IAppInstance {
  return golden<IAppInstance>('apps-launch.json', {} as IAppInstance);
}

/** `GET apps/running`. */
export function appsRunning(): IRunningApps {
  return golden<IRunningApps>('apps-running.json', { instances: [] });
}

/** `GET filesystems`. */
export function filesystems(): IFilesystems {
  return golden<IFilesystems>('filesystems.json', {
    allowed_roots: [],
    defaults: [],
    mounted: []
  });
}

/** `POST dashboards/{name}`. */
export function dashboardCheck(): IDashboardCheck {
  return golden<IDashboardCheck>('dashboards-check.json', {
    name: 'dask',
    port: 8787,
    url: '/jupyterlab-hpc/proxy/8787/status'
  });
}

/** `GET modules` and `POST modules/kernels/refresh`. */
export function modules(): IModules {
  return golden<IModules>('modules.json', modulesContract.MODULES);
}

/** One recorded call of the fake `fetch`. */
export interface ICall {
  url: string;
  init: RequestInit;
  headers: { get(name: string): string | null };
}

/**
 * Server settings whose `fetch` answers from `respond` and records calls,
 * so the real `ServerConnection.makeRequest` runs in the tests.
 */
export function fakeSettings(
  respond: (url: string) => Response | Promise<Response>,
  baseUrl = 'http://localhost:8888/user/alice/lab%201/'
): { settings: ServerConnection.ISettings; calls: ICall[] } {
  const calls: ICall[] = [];
  const fetch = async (request: FakeRequest) => {
    calls.push({
      url: request.url,
      init: request.init,
      headers: request.headers
    });
    return respond(request.url);
  };
  const settings = ServerConnection.makeSettings({
    baseUrl,
    wsUrl: baseUrl.replace('http', 'ws'),
    fetch: fetch as unknown as typeof window.fetch,
    Request: FakeRequest as unknown as typeof Request,
    Headers: FakeHeaders as unknown as typeof Headers
  });
  return { settings, calls };
}

/** A JSON response. */
export function json(body: unknown, status = 200): Response {
  return new FakeResponse(JSON.stringify(body), status) as unknown as Response;
}

/** A plain-text response. */
export function text(body: string, status = 200): Response {
  return new FakeResponse(body, status) as unknown as Response;
}

/** A client whose answers the test controls. */
export class FakeClient implements IHPCClient {
  readonly serverSettings = ServerConnection.makeSettings();
  metricsCalls = 0;
  next: () => Promise<IMetrics> = async () => metrics();

  /** The answer of `GET info` (the golden one by default). */
  nextInfo: () => Promise<IInfo> = async () => info();

  info(): Promise<IInfo> {
    return this.nextInfo();
  }

  metrics(): Promise<IMetrics> {
    this.metricsCalls++;
    return this.next();
  }

  history(): Promise<IHistory> {
    return Promise.resolve(history());
  }

  /** The scopes of every `slurmJobs` call. */
  jobsCalls: SlurmScope[] = [];
  nextJobs: (scope: SlurmScope) => Promise<ISlurmJobs> = async scope => ({
    ...slurmJobs(),
    scope
  });
  /** Every job action, as `"cancel 1234"`, in order. */
  actions: string[] = [];
  nextAction: (verb: string, id: string) => Promise<void> = async () =>
    undefined;
  /** The bodies of every `submitJob` call. */
  submitted: SlurmSubmitRequest[] = [];
  nextSubmit: (request: SlurmSubmitRequest) => Promise<ISlurmSubmitResult> =
    async () => slurmSubmit();
  nextDetails: (id: string) => Promise<ISlurmJobDetails> = async () =>
    slurmJob();
  nextSlurmHistory: (days?: number) => Promise<ISlurmHistory> = async () =>
    slurmHistory();

  /** Whether each `slurmJobs` call asked past the browser's cache. */
  jobsFresh: boolean[] = [];
  /** The `eventsAfter` of each `slurmJobs` call (undefined: not asked). */
  jobsEventsAfter: (number | undefined)[] = [];
  nextPartitions: () => Promise<ISlurmPartitions> = async () =>
    slurmPartitions();
  nextTemplates: () => Promise<ISlurmTemplates> = async () => slurmTemplates();

  slurmJobs(
    scope: SlurmScope,
    options: { fresh?: boolean; eventsAfter?: number } = {}
  ): Promise<ISlurmJobs> {
    this.jobsCalls.push(scope);
    this.jobsFresh.push(!!options.fresh);
    this.jobsEventsAfter.push(options.eventsAfter);
    return this.nextJobs(scope);
  }

  requeueJob(id: string, options: { hold?: boolean } = {}): Promise<void> {
    return this._act(options.hold ? 'requeue-hold' : 'requeue', id);
  }

  slurmPartitions(): Promise<ISlurmPartitions> {
    return this.nextPartitions();
  }

  slurmTemplates(): Promise<ISlurmTemplates> {
    return this.nextTemplates();
  }

  submitJob(request: SlurmSubmitRequest): Promise<ISlurmSubmitResult> {
    this.submitted.push(request);
    return this.nextSubmit(request);
  }

  jobDetails(id: string): Promise<ISlurmJobDetails> {
    return this.nextDetails(id);
  }

  cancelJob(id: string): Promise<void> {
    return this._act('cancel', id);
  }

  holdJob(id: string): Promise<void> {
    return this._act('hold', id);
  }

  releaseJob(id: string): Promise<void> {
    return this._act('release', id);
  }

  slurmHistory(days?: number): Promise<ISlurmHistory> {
    return this.nextSlurmHistory(days);
  }

  nextApps: () => Promise<IApps> = async () => apps();
  /** Every app call, as `"launch tensorboard 0"`, `"stop tensorboard 0"`… */
  appCalls: string[] = [];
  /** The bodies of every `launchApp` call. */
  launched: IAppLaunchRequest[] = [];
  nextLaunch: (
    name: string,
    endpoint: number,
    request: IAppLaunchRequest
  ) => Promise<IAppInstance> = async () => appLaunch();
  nextRunning: () => Promise<IRunningApps> = async () => appsRunning();
  nextStop: (name: string, endpoint: number) => Promise<void> = async () =>
    undefined;
  nextLog: (name: string, endpoint: number) => Promise<string> = async () => '';
  nextDashboard: (name: string, port: number) => Promise<IDashboardCheck> =
    async () => dashboardCheck();
  nextIcon: (url: string) => Promise<string> = async () =>
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16"/></svg>';

  apps(): Promise<IApps> {
    this.appCalls.push('apps');
    return this.nextApps();
  }

  launchApp(
    name: string,
    endpoint: number,
    request: IAppLaunchRequest
  ): Promise<IAppInstance> {
    this.appCalls.push(`launch ${name} ${endpoint}`);
    this.launched.push(request);
    return this.nextLaunch(name, endpoint, request);
  }

  runningApps(): Promise<IRunningApps> {
    this.appCalls.push('running');
    return this.nextRunning();
  }

  stopApp(name: string, endpoint: number): Promise<void> {
    this.appCalls.push(`stop ${name} ${endpoint}`);
    return this.nextStop(name, endpoint);
  }

  appLog(name: string, endpoint: number): Promise<string> {
    this.appCalls.push(`log ${name} ${endpoint}`);
    return this.nextLog(name, endpoint);
  }

  checkDashboard(name: string, port: number): Promise<IDashboardCheck> {
    this.appCalls.push(`dashboard ${name} ${port}`);
    return this.nextDashboard(name, port);
  }

  /** The lists of every `mountFilesystems` call, in order. */
  mounted: IFilesystemEntry[][] = [];
  nextFilesystems: () => Promise<IFilesystems> = async () => filesystems();
  /** The server's check of one entry; valid with `/real/<name>` by default. */
  checkEntry: (entry: IFilesystemEntry) => IFilesystemChecks['filesystems'][0] =
    entry => ({
      ...entry,
      valid: true,
      root: `/real/${entry.name}`,
      message: null
    });

  filesystems(): Promise<IFilesystems> {
    return this.nextFilesystems();
  }

  async validateFilesystems(
    entries: IFilesystemEntry[]
  ): Promise<IFilesystemChecks> {
    return { filesystems: entries.map(this.checkEntry) };
  }

  async mountFilesystems(
    entries: IFilesystemEntry[]
  ): Promise<IFilesystemChecks> {
    this.mounted.push(entries);
    return { filesystems: entries.map(this.checkEntry) };
  }

  /** Every modules call, as `"modules"` or `"refresh"`, in order. */
  moduleCalls: string[] = [];
  nextModules: () => Promise<IModules> = async () => modules();
  nextRefresh: () => Promise<IModules> = async () => modules();

  modules(): Promise<IModules> {
    this.moduleCalls.push('modules');
    return this.nextModules();
  }

  refreshModuleKernels(): Promise<IModules> {
    this.moduleCalls.push('refresh');
    return this.nextRefresh();
  }

  /** How many times `endSession` was called. */
  endCalls = 0;
  nextEnd: () => Promise<IEndSessionResult> = async () => ({
    message: 'The hub is stopping your server; its Slurm job ends with it.'
  });

  endSession(): Promise<IEndSessionResult> {
    this.endCalls++;
    return this.nextEnd();
  }

  iconSvg(url: string): Promise<string> {
    this.appCalls.push(`icon ${url}`);
    return this.nextIcon(url);
  }

  resolveUrl(url: string): string {
    return new URL(url, 'http://localhost:8888/').href;
  }

  private _act(verb: string, id: string): Promise<void> {
    this.actions.push(`${verb} ${id}`);
    return this.nextAction(verb, id);
  }
}

/** Just enough of `Headers` for `makeRequest`. */
class FakeHeaders {
  constructor(init?: Record<string, string>) {
    Object.entries(init ?? {}).forEach(([k, v]) => this.set(k, v));
  }
  has(name: string) {
    return this._map.has(name.toLowerCase());
  }
  get(name: string) {
    return this._map.get(name.toLowerCase()) ?? null;
  }
  set(name: string, value: string) {
    this._map.set(name.toLowerCase(), value);
  }
  append(name: string, value: string) {
    this.set(name, value);
  }
  private _map = new Map<string, string>();
}

/** Just enough of `Request` for `makeRequest`. */
class FakeRequest {
  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.init = init;
  }
  url: string;
  init: RequestInit;
  headers = new FakeHeaders();
}

/** Just enough of `Response` for the client. */
class FakeResponse {
  constructor(
    private _body: string,
    readonly status: number
  ) {}
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  get statusText() {
    return this.status === 404 ? 'Not Found' : '';
  }
  readonly headers = new FakeHeaders();
  async text() {
    return this._body;
  }
  async json() {
    return JSON.parse(this._body);
  }
}

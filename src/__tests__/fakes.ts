/**
 * Test fakes built on the golden API answers that pytest also checks
 * against the real server (tests/golden/), so the two sides cannot drift.
 */
import { ServerConnection } from '@jupyterlab/services';

import { IHPCClient } from '../api/client';
import { IHistory, IInfo, IMetrics } from '../api/types';

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

  info(): Promise<IInfo> {
    return Promise.resolve(info());
  }

  metrics(): Promise<IMetrics> {
    this.metricsCalls++;
    return this.next();
  }

  history(): Promise<IHistory> {
    return Promise.resolve(history());
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

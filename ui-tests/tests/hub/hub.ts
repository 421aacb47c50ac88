/**
 * The hub testbed (scripts/hub-testbed) as the hub specs see it: where it
 * answers, its users and their passwords, its admin API, and the Slurm its
 * spawner submits to. Everything is read from $HUB_TESTBED_DIR (default
 * /tmp/jupyterlab-hpc-hub), never hard-coded.
 */
import { expect, test as galataTest, JupyterLabPage } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** How long a spawn may take on a loaded machine: sbatch, the queue, the server's start. */
export const SPAWN_TIMEOUT = 120 * 1000;

/** What the specs need of a running hub testbed. */
export interface IHubTestbed {
  /** The hub's public URL (its proxy), without a trailing slash. */
  url: string;
  /** The two test accounts, in the order of HUB_USERS. */
  users: string[];
  /** Each account's PAM password. */
  passwords: Record<string, string>;
  /** The testbed service's admin token (admin:users, admin:servers…). */
  token: string;
  /** The slurm.conf the hub submits with. */
  slurmConf: string;
}

/** The testbed's state folder. */
export const TESTBED_DIR =
  process.env.HUB_TESTBED_DIR || '/tmp/jupyterlab-hpc-hub';

/** Whether a hub testbed has been started (its settings are there). */
export function testbedExists(): boolean {
  return fs.existsSync(path.join(TESTBED_DIR, 'settings.json'));
}

/** Read the running testbed's settings, logins and token. */
export function readTestbed(): IHubTestbed {
  const read = (name: string) =>
    fs.readFileSync(path.join(TESTBED_DIR, name), 'utf-8');
  const settings = JSON.parse(read('settings.json')) as Record<string, string>;
  const users = settings.HUB_USERS.split(',').filter(Boolean);
  if (users.length < 2) {
    throw new Error(`The hub testbed in ${TESTBED_DIR} has fewer than 2 users`);
  }
  return {
    url: `http://127.0.0.1:${settings.HUB_PORT}`,
    users,
    passwords: JSON.parse(read('logins.json')),
    token: read('api-token').trim(),
    slurmConf: hubSlurmConf()
  };
}

/**
 * The SLURM_CONF the hub runs with (its process's environment), else this
 * process's, else the Slurm testbed's.
 */
function hubSlurmConf(): string {
  try {
    const pid = fs
      .readFileSync(path.join(TESTBED_DIR, 'jupyterhub.pid'), 'utf-8')
      .trim();
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf-8');
    const entry = environ
      .split('\0')
      .find(line => line.startsWith('SLURM_CONF='));
    if (entry) {
      return entry.slice('SLURM_CONF='.length);
    }
  } catch {
    // Not readable: fall back below.
  }
  return process.env.SLURM_CONF || '/tmp/jupyterlab-hpc-testbed/etc/slurm.conf';
}

/** A user's default server as the hub's REST API describes it. */
export interface IHubServer {
  ready: boolean;
  pending: string | null;
  url: string;
}

/** The hub's REST API with the testbed's admin token. */
export class HubAPI {
  constructor(private readonly hub: IHubTestbed) {}

  /** The user's default server, or null when the hub has none running. */
  async server(user: string): Promise<IHubServer | null> {
    const model = await this._json(`users/${user}`);
    return (model.servers ?? {})[''] ?? null;
  }

  /**
   * Stop the user's server, whatever state it is in, and wait until the hub
   * has none (a spawn in progress is waited for, then stopped).
   */
  async stopServer(user: string): Promise<void> {
    const deadline = Date.now() + SPAWN_TIMEOUT;
    for (;;) {
      const model = await this._json(`users/${user}`);
      const server = (model.servers ?? {})[''] as IHubServer | undefined;
      if (!server && !model.pending) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`The hub did not stop ${user}'s server`);
      }
      if (server && !server.pending) {
        await this._fetch(`users/${user}/server`, { method: 'DELETE' });
      }
      await new Promise(resolve => setTimeout(resolve, 1000));
    }
  }

  private async _json(route: string): Promise<any> {
    const response = await this._fetch(route);
    if (!response.ok) {
      throw new Error(
        `GET /hub/api/${route}: ${response.status} ${await response.text()}`
      );
    }
    return response.json();
  }

  private _fetch(route: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.hub.url}/hub/api/${route}`, {
      ...init,
      headers: { Authorization: `token ${this.hub.token}` }
    });
  }
}

/** The ids of the user's hub jobs (named jupyterhub-<user>) in Slurm's queue. */
export function hubJobs(hub: IHubTestbed, user: string): string[] {
  const out = execFileSync(
    'squeue',
    ['--noheader', '--format=%i', `--name=jupyterhub-${user}`],
    { env: { ...process.env, SLURM_CONF: hub.slurmConf }, encoding: 'utf-8' }
  );
  return out.split('\n').filter(Boolean);
}

/**
 * Galata's test, behind the hub.
 *
 * Galata's fixtures keep JupyterLab's settings, workspace and config in
 * memory per test (so the tests neither write into the test users' homes nor
 * see each other's layout); they work behind the hub because they only route
 * the page's own requests. What does not work there is Galata's in-page
 * side (`window.galata`, `window.jupyterapp`): it needs the Galata
 * labextension and `expose_app_in_browser` on the server, and the hub's
 * servers are the real deployment, without them. So:
 * - `autoGoto` is off and `tmpPath` is empty (Galata would create that folder
 *   through the contents API without the hub's login);
 * - the tests drive the plain Playwright page under Galata's (`hubPage`),
 *   since Galata's `page.goto` waits for `window.jupyterapp`, and use only
 *   Galata's DOM helpers (`page.menu`).
 */
export const test = galataTest.extend<
  { api: HubAPI; hubPage: Page },
  { hub: IHubTestbed | null }
>({
  hub: [
    async ({}, use) => use(testbedExists() ? readTestbed() : null),
    { scope: 'worker' }
  ],
  api: async ({ hub }, use) => {
    // Without a testbed: a failure in CI (make test-ui starts one), a skip elsewhere.
    if (!hub) {
      const reason = `no hub testbed in ${TESTBED_DIR}: run make hub-testbed`;
      if (process.env.CI) {
        throw new Error(reason);
      }
      galataTest.skip(true, reason);
      return;
    }
    const api = new HubAPI(hub);
    // Each test starts and ends with no server for either user, even on failure.
    for (const user of hub.users) {
      await api.stopServer(user);
    }
    await use(api);
    for (const user of hub.users) {
      await api.stopServer(user);
    }
  },
  hubPage: async ({ page }, use) =>
    use((page as unknown as JupyterLabPage).page),
  baseURL: async ({ hub }, use) => use(hub?.url ?? 'http://127.0.0.1'),
  tmpPath: async ({}, use) => use(''),
  autoGoto: false
});

export { expect };

/** The job options of the hub's spawn form, by their shown labels. */
export interface IJobChoice {
  runtime: string;
  memory: string;
  cpus: string;
}

/** Open the hub's URL and sign in on its login page. */
export async function logIn(
  page: Page,
  hub: IHubTestbed,
  user: string
): Promise<void> {
  await page.goto(`${hub.url}/`);
  await expect(page).toHaveURL(/\/hub\/login/);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(hub.passwords[user]);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * On the hub's spawn form, choose the job's time, memory and CPUs, start,
 * and wait for JupyterLab at /user/<user>/lab to be up.
 */
export async function spawnFromForm(
  page: Page,
  user: string,
  choice: IJobChoice
): Promise<void> {
  const form = page.locator('#spawn_form');
  await form.getByLabel('Time limit').selectOption({ label: choice.runtime });
  await form.getByLabel('Memory').selectOption({ label: choice.memory });
  await form.getByLabel('CPUs').selectOption({ label: choice.cpus });
  await form.getByRole('button', { name: 'Start' }).click();
  await page.waitForURL(new RegExp(`/user/${user}/lab`), {
    timeout: SPAWN_TIMEOUT
  });
  await waitForLab(page);
}

/** Wait for JupyterLab's splash screen to go and its launcher to show. */
export async function waitForLab(page: Page): Promise<void> {
  await page
    .locator('#jupyterlab-splash')
    .waitFor({ state: 'detached', timeout: SPAWN_TIMEOUT });
  await expect(page.locator('.jp-Launcher')).toBeVisible({
    timeout: SPAWN_TIMEOUT
  });
}

/**
 * Collect what the browser console says of plugins that could not load or
 * activate (lumino's "Plugin 'x' failed to activate.", a missing token, a
 * federated extension that failed to load) and of uncaught errors.
 */
export function watchPluginErrors(page: Page): string[] {
  const errors: string[] = [];
  // JupyterLab's and lumino's wording: "Plugin 'x' failed to activate.",
  // "Error activating plugin", "No provider for: x", "Loading x failed."…
  const pluginError =
    /plugin|extension|activat|fail(ed)? to load|loading .* failed|no provider for/i;
  page.on('console', message => {
    if (message.type() === 'error' && pluginError.test(message.text())) {
      errors.push(message.text());
    }
  });
  page.on('pageerror', error => {
    if (!thrownByJupyterlmod(error)) {
      errors.push(`uncaught: ${error.message}`);
    }
  });
  return errors;
}

/**
 * jupyterlmod (the modules panel centres install beside us) activates
 * jupyter-server-proxy's launcher plugin itself, from its own plugin, after
 * its own requests: that plugin's `restorer.restore()` then comes after the
 * layout was restored, and JupyterLab throws, now and then, depending on
 * which request answers first. Not ours to fix (nor a plugin failing to load);
 * every other uncaught error counts.
 */
function thrownByJupyterlmod(error: Error): boolean {
  return (
    /restore\(\) must be called before/.test(error.message) &&
    /\/lab\/extensions\/@jupyterhub\/jupyter-server-proxy\//.test(
      error.stack ?? ''
    )
  );
}

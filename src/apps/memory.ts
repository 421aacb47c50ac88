import { IStateDB } from '@jupyterlab/statedb';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

/** One environment variable row of the launch dialog. */
export interface IEnvRow {
  name: string;
  value: string;
}

/** What the user typed for one launch. */
export interface ILaunchValues {
  /** The arguments, as typed. */
  args: string;
  /** The variable rows, in their order, empty ones included. */
  env: IEnvRow[];
  /**
   * The versions of environment modules chosen, as full names
   * (`tensorboard/2.17`); each applies to the configured module it is a
   * version of (see `chosenModules`).
   */
  modules: string[];
}

/** What is remembered of one app. */
export interface IAppMemory {
  /** The endpoint of the last launch, or null before any. */
  last: number | null;
  /** The last values of each endpoint, by endpoint number. */
  endpoints: { [endpoint: string]: ILaunchValues };
}

/**
 * Whether a variable's name says it holds a secret (a token, a password, a
 * key): its value is not remembered, only its name.
 */
export function looksSecret(name: string): boolean {
  return /TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|API_?KEY|PRIVATE_?KEY|AUTH/i.test(
    name
  );
}

/**
 * The last arguments and variables of every app and endpoint, in the state
 * database (the workspace), so that they outlive a reload. Without one
 * they last as long as the page.
 */
export class LaunchMemory {
  constructor(options: LaunchMemory.IOptions = {}) {
    this._state = options.state ?? null;
  }

  /** What is remembered of an app (nothing when the database fails). */
  async load(app: string): Promise<IAppMemory> {
    let saved: unknown = this._fallback.get(app);
    if (this._state) {
      try {
        saved = (await this._state.fetch(Private.key(app))) ?? saved;
      } catch (reason) {
        console.warn('jupyterlab-hpc: cannot read the last launch', reason);
      }
    }
    return Private.validate(saved);
  }

  /** Remember the values of a launch of an app's endpoint. */
  async save(
    app: string,
    endpoint: number,
    values: ILaunchValues
  ): Promise<void> {
    const memory = await this.load(app);
    const next: IAppMemory = {
      last: endpoint,
      endpoints: {
        ...memory.endpoints,
        [String(endpoint)]: {
          args: values.args,
          env: values.env.map(({ name, value }) => ({
            name,
            // The workspace is a file on the server: no secrets in it.
            value: looksSecret(name) ? '' : value
          })),
          modules: [...values.modules]
        }
      }
    };
    this._fallback.set(app, next);
    if (this._state) {
      try {
        await this._state.save(
          Private.key(app),
          next as unknown as ReadonlyPartialJSONObject
        );
      } catch (reason) {
        console.warn('jupyterlab-hpc: cannot save the last launch', reason);
      }
    }
  }

  private _state: IStateDB | null;
  private _fallback = new Map<string, IAppMemory>();
}

/** A namespace for `LaunchMemory` statics. */
export namespace LaunchMemory {
  /** The options of the memory. */
  export interface IOptions {
    /** The state database; without one, values last as long as the page. */
    state?: IStateDB | null;
  }
}

namespace Private {
  /** The state database key of an app. */
  export function key(app: string): string {
    return `jupyterlab-hpc:apps:${app}`;
  }

  /** Saved data as an `IAppMemory`, whatever an older version left there. */
  export function validate(saved: unknown): IAppMemory {
    const memory: IAppMemory = { last: null, endpoints: {} };
    if (!saved || typeof saved !== 'object') {
      return memory;
    }
    const { last, endpoints } = saved as Partial<IAppMemory>;
    if (typeof last === 'number' && Number.isInteger(last) && last >= 0) {
      memory.last = last;
    }
    Object.entries(endpoints ?? {}).forEach(([endpoint, values]) => {
      if (values && typeof values.args === 'string') {
        memory.endpoints[endpoint] = {
          args: values.args,
          env: (Array.isArray(values.env) ? values.env : [])
            .filter(row => row && typeof row.name === 'string')
            .map(row => ({ name: row.name, value: String(row.value ?? '') })),
          // Launches remembered before apps had modules have none.
          modules: (Array.isArray(values.modules) ? values.modules : []).filter(
            (module: unknown): module is string => typeof module === 'string'
          )
        };
      }
    });
    return memory;
  }
}

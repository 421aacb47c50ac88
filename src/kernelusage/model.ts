import { Kernel, KernelSpec, Session } from '@jupyterlab/services';
import { VDomModel } from '@jupyterlab/ui-components';

import { IKernelsReading, IKernelUsage } from '../api/types';
import { IMetricsModel } from '../metrics/tokens';

/**
 * The share of the job's memory limit above which a kernel is the likeliest
 * reason the job would be killed at that limit: no other kernel can hold as
 * much.
 */
export const WARN_SHARE = 0.5;

/** The notebook or console a kernel serves, as the session manager knows it. */
export interface IKernelSession {
  /** The document's path, relative to the server root. */
  path: string;
  /** The session's name, usually the document's. */
  name: string;
  /** `notebook`, `console`, or what the client that started it said. */
  type: string;
}

/** One kernel's usage, with what the page knows of it. */
export interface IKernelUsageItem {
  /** The server's figures for the kernel. */
  usage: IKernelUsage;
  /** The notebook or console it serves, or null when no session uses it. */
  session: IKernelSession | null;
  /** The kernelspec's name, e.g. `python3`, when the page knows the kernel. */
  kernelName: string | null;
  /** The kernelspec's display name, e.g. `Python 3 (ipykernel)`. */
  displayName: string | null;
  /** Its memory as a fraction of the job's limit, or null without a limit. */
  share: number | null;
  /** Whether it holds more than `WARN_SHARE` of the job's limit. */
  warn: boolean;
}

/**
 * Each kernel's memory and cores from the shared metrics snapshot, named
 * after the notebook or console it serves; emits `stateChanged` with every
 * poll and whenever sessions or kernels come and go.
 */
export class KernelUsageModel extends VDomModel {
  constructor(options: KernelUsageModel.IOptions) {
    super();
    this._metrics = options.metrics;
    this._sessions = options.sessions;
    this._kernels = options.kernels;
    this._specs = options.specs ?? null;
    this._metrics.changed.connect(this._changed, this);
    this._sessions.runningChanged.connect(this._changed, this);
    this._kernels.runningChanged.connect(this._changed, this);
  }

  /** The shared metrics model. */
  get metrics(): IMetricsModel {
    return this._metrics;
  }

  /** Whether the server reads its kernels' usage (false before the first poll). */
  get available(): boolean {
    return this._reading()?.available === true;
  }

  /** Why the server cannot read its kernels' usage, when it says. */
  get reason(): string | null {
    return this._reading()?.reason ?? null;
  }

  /** The job's memory limit, or null when there is none. */
  get limitBytes(): number | null {
    const memory = this._metrics.metrics?.memory;
    return memory?.available && memory.limit_bytes ? memory.limit_bytes : null;
  }

  /** Every kernel the server measured, largest memory first. */
  get items(): readonly IKernelUsageItem[] {
    const reading = this._reading();
    if (!reading?.available) {
      return [];
    }
    const sessions = Private.sessionsByKernel(this._sessions.running());
    const kernels = new Map<string, string>();
    for (const kernel of this._kernels.running()) {
      kernels.set(kernel.id, kernel.name);
    }
    const limit = this.limitBytes;
    return reading.kernels
      .filter(usage => !this._gone.has(usage.id))
      .sort((a, b) => b.memory_bytes - a.memory_bytes)
      .map(usage => {
        const session = sessions.get(usage.id);
        const kernelName = session?.kernelName ?? kernels.get(usage.id) ?? null;
        const share = limit === null ? null : usage.memory_bytes / limit;
        return {
          usage,
          session: session?.session ?? null,
          kernelName,
          displayName: this._displayName(kernelName),
          share,
          warn: share !== null && share > WARN_SHARE
        };
      });
  }

  /**
   * Leave out a kernel just shut down: the server measured it at its last
   * sample, but the user asked it gone.
   */
  forget(id: string): void {
    this._gone.add(id);
    this.stateChanged.emit();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._metrics.changed.disconnect(this._changed, this);
    this._sessions.runningChanged.disconnect(this._changed, this);
    this._kernels.runningChanged.disconnect(this._changed, this);
    super.dispose();
  }

  private _reading(): IKernelsReading | null {
    return this._metrics.metrics?.kernels ?? null;
  }

  private _displayName(name: string | null): string | null {
    if (name === null) {
      return null;
    }
    return this._specs?.specs?.kernelspecs[name]?.display_name ?? null;
  }

  private _changed(): void {
    // A forgotten kernel the server no longer measures cannot come back.
    const measured = new Set(this._reading()?.kernels.map(k => k.id) ?? []);
    for (const id of this._gone) {
      if (!measured.has(id)) {
        this._gone.delete(id);
      }
    }
    this.stateChanged.emit();
  }

  private _metrics: IMetricsModel;
  private _sessions: KernelUsageModel.ISessions;
  private _kernels: KernelUsageModel.IKernels;
  private _specs: KernelUsageModel.ISpecs | null;
  private _gone = new Set<string>();
}

/** A namespace for `KernelUsageModel` statics. */
export namespace KernelUsageModel {
  /** What the model reads of JupyterLab's session manager. */
  export type ISessions = Pick<Session.IManager, 'running' | 'runningChanged'>;

  /** What the model reads of JupyterLab's kernel manager. */
  export type IKernels = Pick<Kernel.IManager, 'running' | 'runningChanged'>;

  /** What the model reads of JupyterLab's kernelspec manager. */
  export type ISpecs = Pick<KernelSpec.IManager, 'specs'>;

  /** The options of the model. */
  export interface IOptions {
    /** The shared metrics model, whose `kernels` section is shown. */
    metrics: IMetricsModel;
    /** The sessions, which name a kernel after its notebook or console. */
    sessions: ISessions;
    /** The kernels, which name a kernel no session uses. */
    kernels: IKernels;
    /** The kernelspecs, for display names. */
    specs?: ISpecs | null;
  }
}

namespace Private {
  /** A session and its kernel's name. */
  export interface ISessionOfKernel {
    session: IKernelSession;
    kernelName: string;
  }

  /** The first session of each kernel id. */
  export function sessionsByKernel(
    sessions: Iterable<Session.IModel>
  ): Map<string, ISessionOfKernel> {
    const found = new Map<string, ISessionOfKernel>();
    for (const { path, name, type, kernel } of sessions) {
      if (kernel && !found.has(kernel.id)) {
        found.set(kernel.id, {
          session: { path, name, type },
          kernelName: kernel.name
        });
      }
    }
    return found;
  }
}

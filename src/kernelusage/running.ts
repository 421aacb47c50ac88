import { Kernel } from '@jupyterlab/services';
import { IRunningSessions } from '@jupyterlab/running';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  consoleIcon,
  kernelIcon,
  LabIcon,
  notebookIcon
} from '@jupyterlab/ui-components';
import { ISignal } from '@lumino/signaling';

import { notifyFailure } from '../notify';
import { describeKernel, kernelDetail, kernelLabel } from './format';
import { IKernelSession, IKernelUsageItem, KernelUsageModel } from './model';

/**
 * The "Kernel Usage" section of JupyterLab's Running panel: each kernel's
 * memory and cores busy, largest memory first, so the user sees which
 * notebook holds the memory before the job is killed at its limit.
 * Clicking one opens its notebook or console; the cross shuts the kernel
 * down, as JupyterLab's own Kernels section does.
 */
export class KernelUsageManager implements IRunningSessions.IManager {
  constructor(options: KernelUsageManager.IOptions) {
    this._model = options.model;
    this._kernels = options.kernels;
    this._trans = options.trans;
    this._open = options.open;
    this.name = options.trans.__('Kernel Usage');
    this.shutdownLabel = options.trans.__('Shut Down Kernel');
    this.shutdownAllLabel = options.trans.__('Shut Down All');
  }

  readonly name: string;

  readonly shutdownLabel: string;

  readonly shutdownAllLabel: string;

  /** Emitted with every metrics poll and when sessions or kernels change. */
  get runningChanged(): ISignal<KernelUsageModel, void> {
    return this._model.stateChanged;
  }

  shutdownAllConfirmationText = (): string =>
    this._trans.__(
      'Shut down the kernels of %1?',
      this._model.items.map(item => kernelLabel(item, this._trans)).join(', ')
    );

  running(options?: {
    mode: 'tree' | 'list';
  }): IRunningSessions.IRunningItem[] {
    // A flat list in both modes: a kernel's processes are counted, not listed.
    return this._model.items.map(item => this._item(item));
  }

  refreshRunning(): void {
    void this._model.metrics.refresh();
  }

  shutdownAll(): void {
    void Promise.all(this._model.items.map(item => this.shutdown(item)));
  }

  /** Shut a kernel down; a failure becomes a notification with the server's message. */
  async shutdown(item: IKernelUsageItem): Promise<void> {
    try {
      await this._kernels.shutdown(item.usage.id);
      this._model.forget(item.usage.id);
    } catch (error) {
      notifyFailure(
        'error',
        this._trans.__(
          'The kernel of %1 could not be shut down',
          kernelLabel(item, this._trans)
        ),
        error instanceof Error ? error.message : String(error),
        this._trans
      );
    }
  }

  private _item(item: IKernelUsageItem): IRunningSessions.IRunningItem {
    const trans = this._trans;
    const label = kernelLabel(item, trans);
    const detail = kernelDetail(item, trans);
    const title = describeKernel(item, this._model.limitBytes, trans);
    const session = item.session;
    return {
      className: `jp-hpc-KernelUsage${item.warn ? ' jp-mod-warn' : ''}`,
      context: item.usage.id,
      icon: () => Private.icon(session),
      label: () => label,
      labelTitle: () => title,
      detail: () => detail,
      open: session ? () => this._open(session) : undefined,
      shutdown: () => void this.shutdown(item)
    };
  }

  private _model: KernelUsageModel;
  private _kernels: KernelUsageManager.IKernels;
  private _trans: TranslationBundle;
  private _open: (session: IKernelSession) => void;
}

/** A namespace for `KernelUsageManager` statics. */
export namespace KernelUsageManager {
  /** What the manager uses of JupyterLab's kernel manager. */
  export type IKernels = Pick<Kernel.IManager, 'shutdown'>;

  /** The options of the manager. */
  export interface IOptions {
    model: KernelUsageModel;
    /** Shuts kernels down. */
    kernels: IKernels;
    trans: TranslationBundle;
    /** Open or reveal the notebook or console of a session. */
    open(session: IKernelSession): void;
  }
}

namespace Private {
  /** The icon of what the kernel serves. */
  export function icon(session: IKernelSession | null): LabIcon {
    switch (session?.type) {
      case 'notebook':
        return notebookIcon;
      case 'console':
        return consoleIcon;
      default:
        return kernelIcon;
    }
  }
}

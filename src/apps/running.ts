import { IRunningSessions } from '@jupyterlab/running';
import { TranslationBundle } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { ISignal } from '@lumino/signaling';

import { IHPCClient } from '../api/client';
import { IAppInstance } from '../api/types';
import { notifyFailure } from '../notify';
import { describeInstance, instanceDetail, instanceLabel } from './format';
import { RunningAppsModel } from './model';

/**
 * The "Applications" section of JupyterLab's Running panel: every instance
 * the server knows, running or not. Clicking a running one opens it, any
 * other its log (why it stopped); the cross shuts it down (and clears a
 * failed one).
 */
export class RunningAppsManager implements IRunningSessions.IManager {
  constructor(options: RunningAppsManager.IOptions) {
    this._model = options.model;
    this._client = options.client;
    this._trans = options.trans;
    this._options = options;
    this.name = options.trans.__('Applications');
    this.shutdownAllLabel = options.trans.__('Shut Down All');
  }

  readonly name: string;

  readonly shutdownAllLabel: string;

  get runningChanged(): ISignal<RunningAppsModel, void> {
    return this._model.stateChanged;
  }

  shutdownAllConfirmationText = (): string =>
    this._trans.__(
      'Shut down %1?',
      this._model.instances
        .map(i => instanceLabel(i.title, i.endpoint, this._trans))
        .join(', ')
    );

  running(options?: {
    mode: 'tree' | 'list';
  }): IRunningSessions.IRunningItem[] {
    // A flat list in both modes: an instance has no children.
    return this._model.instances.map(instance => this._item(instance));
  }

  refreshRunning(): void {
    void this._model.refresh();
  }

  shutdownAll(): void {
    void Promise.all(
      this._model.instances.map(instance => this.shutdown(instance))
    );
  }

  /** Stop an instance; a failure becomes a notification with the server's message. */
  async shutdown(instance: IAppInstance): Promise<void> {
    const { name, endpoint } = instance;
    try {
      await this._client.stopApp(name, endpoint);
      this._model.forget(name, endpoint);
    } catch (error) {
      notifyFailure(
        'error',
        this._trans.__(
          '%1 could not be shut down',
          instanceLabel(instance.title, endpoint, this._trans)
        ),
        error instanceof Error ? error.message : String(error),
        this._trans
      );
    }
    void this._model.refresh();
  }

  private _item(instance: IAppInstance): IRunningSessions.IRunningItem {
    const trans = this._trans;
    const label = instanceLabel(instance.title, instance.endpoint, trans);
    return {
      className: `jp-hpc-RunningApp jp-mod-${instance.state}`,
      context: `${instance.name}/${instance.endpoint}`,
      icon: () => this._options.icon(instance.name),
      label: () => label,
      labelTitle: () => describeInstance(instance, trans),
      detail: () => instanceDetail(instance, trans),
      open: () =>
        instance.state === 'running'
          ? this._options.open(instance)
          : this._options.showLog(instance),
      shutdown: () => void this.shutdown(instance)
    };
  }

  private _model: RunningAppsModel;
  private _client: IHPCClient;
  private _trans: TranslationBundle;
  private _options: RunningAppsManager.IOptions;
}

/** A namespace for `RunningAppsManager` statics. */
export namespace RunningAppsManager {
  /** The options of the manager. */
  export interface IOptions {
    model: RunningAppsModel;
    client: IHPCClient;
    trans: TranslationBundle;
    /** The icon of an app, by its name. */
    icon(name: string): LabIcon;
    /** Open a running instance. */
    open(instance: IAppInstance): void;
    /** Open the log of an instance. */
    showLog(instance: IAppInstance): void;
  }
}

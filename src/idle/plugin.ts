import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';

import { notifyFailure } from '../notify';
import { IdleClient, IIdleClient, IIdleState } from './api';
import { formatCullWarning, formatJobEndWarning } from './format';
import { IdleModel } from './model';
import { ActivityTracker } from './tracker';
import { IdleItem } from './widget';

/** The plugin's id, and its settings' (schema/idle.json). */
export const IDLE_PLUGIN_ID = 'jupyterlab-hpc:idle';

/**
 * Idle time: "Idle 25 min" in the status bar, a notification before the
 * hub's culler stops the server, and the opt-in end of an idle Slurm job
 * (with a warning first and "Keep my job").
 */
export const idlePlugin: JupyterFrontEndPlugin<void> = {
  id: IDLE_PLUGIN_ID,
  description:
    'Shows how long the server has been idle, warns before it is culled, and ends an idle job when the user asks.',
  autoStart: true,
  optional: [IStatusBar, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const client = new IdleClient({
      serverSettings: app.serviceManager.serverSettings
    });
    const model: IdleModel = new IdleModel({
      client,
      notifier: new Notifier({
        trans,
        // The notifications show after the first answer: the tracker is there.
        keepWorking: () => tracker.reportNow()
      })
    });
    const tracker = new ActivityTracker({
      report: () => model.reportActivity()
    });
    if (statusBar) {
      statusBar.registerStatusItem(IDLE_PLUGIN_ID, {
        item: new IdleItem({ model, trans }),
        align: 'left',
        rank: 900,
        isActive: () => model.visible,
        activeStateChanged: model.stateChanged
      });
    }
    // Opening the page is the user acting.
    void app.restored.then(() =>
      tracker.reportNow().catch(reason => {
        console.warn('jupyterlab-hpc: cannot report activity', reason);
      })
    );
    if (settingRegistry) {
      void followIdleSettings(settingRegistry, model, client, trans);
    }
  }
};

/** The notifications, with their "Keep working" and "Keep my job" actions. */
export class Notifier implements IdleModel.INotifier {
  constructor(options: Notifier.IOptions) {
    this._trans = options.trans;
    this._keepWorking = options.keepWorking;
  }

  showCull(state: IIdleState): void {
    const trans = this._trans;
    this._cullId = Notification.warning(
      formatCullWarning(state.culled_in_s ?? 0, state.cull_source, trans),
      {
        autoClose: false,
        actions: [
          {
            label: trans.__('Keep working'),
            caption: trans.__('Count this as activity: the server stays'),
            displayType: 'accent',
            callback: () => this._keep()
          }
        ]
      }
    );
  }

  withdrawCull(): void {
    if (this._cullId) {
      Notification.dismiss(this._cullId);
      this._cullId = null;
    }
  }

  showJobEnd(state: IIdleState): void {
    const trans = this._trans;
    const job = state.end_job;
    this._jobId = Notification.warning(
      formatJobEndWarning(job.job_id ?? '', job.ends_in_s ?? 0, trans),
      {
        autoClose: false,
        actions: [
          {
            label: trans.__('Keep my job'),
            caption: trans.__('Count this as activity: the job goes on'),
            displayType: 'accent',
            callback: () => this._keep()
          }
        ]
      }
    );
  }

  withdrawJobEnd(): void {
    if (this._jobId) {
      Notification.dismiss(this._jobId);
      this._jobId = null;
    }
  }

  private _keep(): void {
    this._keepWorking().catch(reason => {
      notifyFailure(
        'error',
        this._trans.__('Activity could not be reported'),
        String((reason as Error)?.message ?? reason),
        this._trans
      );
    });
  }

  private _trans: TranslationBundle;
  private _keepWorking: () => Promise<void>;
  private _cullId: string | null = null;
  private _jobId: string | null = null;
}

/** A namespace for `Notifier` statics. */
export namespace Notifier {
  /** The options of the notifier. */
  export interface IOptions {
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** Report activity now ("Keep working", "Keep my job"). */
    keepWorking: () => Promise<void>;
  }
}

/**
 * Follow the settings: the item's threshold and the culler's notice, and
 * the end of an idle job, sent to the server on load and on change when the
 * user chose it (otherwise the administrator's default stays).
 */
export async function followIdleSettings(
  registry: ISettingRegistry,
  model: IdleModel,
  client: IIdleClient,
  trans: TranslationBundle
): Promise<void> {
  let settings: ISettingRegistry.ISettings;
  try {
    settings = await registry.load(IDLE_PLUGIN_ID);
  } catch (reason) {
    console.error(
      `jupyterlab-hpc: cannot load the settings of ${IDLE_PLUGIN_ID}`,
      reason
    );
    return;
  }
  let sent: number | null = null;
  const update = async (): Promise<void> => {
    model.thresholdMinutes = settings.get('idleThresholdMinutes')
      .composite as number;
    model.cullNoticeMinutes = settings.get('notifyBeforeCullMinutes')
      .composite as number;
    const chosen = settings.get('endJobAfterIdleMinutes').user;
    if (typeof chosen !== 'number' || chosen === sent) {
      return;
    }
    sent = chosen;
    try {
      await client.setEndJob(chosen);
      await model.refresh();
    } catch (reason) {
      notifyFailure(
        'warning',
        trans.__('Ending an idle job: your setting was refused'),
        String((reason as Error)?.message ?? reason),
        trans
      );
    }
  };
  await update();
  settings.changed.connect(() => void update());
}

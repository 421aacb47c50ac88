import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { IMeterRegistry } from '../meters/tokens';
import { followSetting } from '../settings';
import { formatEnding } from './format';
import { SessionModel } from './model';
import { SessionMeter } from './widget';

/**
 * The time left to the Slurm job of this server, as a meter (so it follows
 * the meters' placement: status bar or top bar) and as notifications.
 */
export const sessionPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:session',
  description:
    'Shows the time left to the Slurm job of this server and warns before it ends.',
  autoStart: true,
  requires: [IHPCClient, IMeterRegistry],
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    meters: IMeterRegistry,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const model = new SessionModel({
      client,
      notify: (job, minutes) => {
        Notification.warning(formatEnding(job.id, minutes, trans), {
          autoClose: false
        });
      }
    });
    meters.add({
      id: sessionPlugin.id,
      // First: the job frames the other meters.
      rank: 0,
      model,
      createWidget: () => new SessionMeter({ model, trans })
    });
    followSetting<number>(
      settingRegistry,
      sessionPlugin.id,
      'warnMinutes',
      value => {
        model.warnMinutes = value;
      }
    );
    followSetting<number[]>(
      settingRegistry,
      sessionPlugin.id,
      'notifyMinutes',
      value => {
        model.notifyMinutes = value;
      }
    );
  }
};

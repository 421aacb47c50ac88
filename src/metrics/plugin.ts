import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { IHPCClient } from '../api/client';
import { followSetting } from '../settings';
import { DEFAULT_INTERVAL, MetricsModel } from './model';
import { IMetricsModel } from './tokens';

/** Provides the page's one metrics poll, read by every meter. */
export const metricsPlugin: JupyterFrontEndPlugin<IMetricsModel> = {
  id: 'jupyterlab-hpc:metrics',
  description:
    'Polls the resource metrics of this Jupyter server once per page.',
  autoStart: true,
  requires: [IHPCClient],
  optional: [ISettingRegistry],
  provides: IMetricsModel,
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    settingRegistry: ISettingRegistry | null
  ): IMetricsModel => {
    const model = new MetricsModel({ client, interval: DEFAULT_INTERVAL });
    followSetting<number>(
      settingRegistry,
      metricsPlugin.id,
      'refreshInterval',
      value => {
        model.interval = value;
      }
    );
    return model;
  }
};

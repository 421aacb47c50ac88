import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { IHPCClient } from '../api/client';
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
    if (settingRegistry) {
      void settingRegistry
        .load(metricsPlugin.id)
        .then(settings => {
          const apply = () => {
            model.interval = settings.get('refreshInterval')
              .composite as number;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error('jupyterlab-hpc: cannot load metrics settings', reason);
        });
    }
    return model;
  }
};

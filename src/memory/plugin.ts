import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IMetricsModel } from '../metrics/tokens';
import { followSetting } from '../settings';
import { MemoryMeterModel } from './model';
import { MemoryMeter } from './widget';

/** The memory meter in the status bar. */
export const memoryPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:memory',
  description: "Shows memory used against the job's memory limit.",
  autoStart: true,
  requires: [IMetricsModel],
  optional: [IStatusBar, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    metrics: IMetricsModel,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    if (!statusBar) {
      return;
    }
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const model = new MemoryMeterModel({ metrics });
    const meter = new MemoryMeter({ model, trans });
    statusBar.registerStatusItem(memoryPlugin.id, {
      item: meter,
      align: 'left',
      rank: 2,
      isActive: () => model.available,
      activeStateChanged: model.stateChanged
    });
    followSetting<number>(
      settingRegistry,
      memoryPlugin.id,
      'warnFraction',
      value => {
        model.warnFraction = value;
      }
    );
  }
};

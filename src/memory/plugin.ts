import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IMeterRegistry } from '../meters/tokens';
import { IMetricsModel } from '../metrics/tokens';
import { followSetting } from '../settings';
import { MemoryMeterModel } from './model';
import { MemoryMeter } from './widget';

/** The memory meter, in the status bar or the top bar. */
export const memoryPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:memory',
  description: "Shows memory used against the job's memory limit.",
  autoStart: true,
  requires: [IMetricsModel, IMeterRegistry],
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    metrics: IMetricsModel,
    meters: IMeterRegistry,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const model = new MemoryMeterModel({ metrics });
    meters.add({
      id: memoryPlugin.id,
      rank: 2,
      model,
      createWidget: () => new MemoryMeter({ model, trans })
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

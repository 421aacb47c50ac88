import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IMeterRegistry } from '../meters/tokens';
import { IMetricsModel } from '../metrics/tokens';
import { followSetting } from '../settings';
import { CpuMeterModel } from './model';
import { CpuMeter } from './widget';

/** The CPU meter, next to the memory meter in the status bar or the top bar. */
export const cpuPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:cpu',
  description:
    'Shows the cores busy against the cores the job may use, and warns when they sit idle.',
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
    const model = new CpuMeterModel({ metrics });
    meters.add({
      id: cpuPlugin.id,
      // Right after the memory meter (2), before the power meters (3, 4).
      rank: 2.5,
      model,
      createWidget: () => new CpuMeter({ model, trans })
    });
    followSetting<number>(
      settingRegistry,
      cpuPlugin.id,
      'idleFraction',
      value => {
        model.idleFraction = value;
      }
    );
    followSetting<number>(
      settingRegistry,
      cpuPlugin.id,
      'idleMinutes',
      value => {
        model.idleMinutes = value;
      }
    );
  }
};

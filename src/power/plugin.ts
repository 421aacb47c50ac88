import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { ICpuPowerReading, IGpuPowerReading } from '../api/types';
import { IMeterRegistry } from '../meters/tokens';
import { IMetricsModel } from '../metrics/tokens';
import { PowerMeterModel } from './model';
import { CpuPowerMeter, GpuPowerMeter } from './widget';

/** The command that opens the power and CO2 history. */
export const OPEN_HISTORY_COMMAND = 'jupyterlab-hpc:open-history';

/** Run the history command when the page has it. */
export function openHistory(app: JupyterFrontEnd): void {
  if (app.commands.hasCommand(OPEN_HISTORY_COMMAND)) {
    void app.commands.execute(OPEN_HISTORY_COMMAND);
  }
}

/** The CPU (RAPL) and GPU power meters. */
export const powerPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:power',
  description:
    "Shows the CPU power of this server's processes and the power of the job's GPUs.",
  autoStart: true,
  requires: [IMetricsModel, IMeterRegistry],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    metrics: IMetricsModel,
    meters: IMeterRegistry,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const onActivate = () => openHistory(app);
    const cpu = new PowerMeterModel<ICpuPowerReading>({
      metrics,
      section: 'cpu_power'
    });
    meters.add({
      id: 'jupyterlab-hpc:cpu-power',
      rank: 3,
      model: cpu,
      createWidget: () => new CpuPowerMeter({ model: cpu, trans, onActivate })
    });
    const gpu = new PowerMeterModel<IGpuPowerReading>({
      metrics,
      section: 'gpu_power'
    });
    meters.add({
      id: 'jupyterlab-hpc:gpu-power',
      rank: 4,
      model: gpu,
      createWidget: () => new GpuPowerMeter({ model: gpu, trans, onActivate })
    });
  }
};

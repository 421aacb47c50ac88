import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IMetricsModel } from '../metrics/tokens';
import { KernelUsageModel } from './model';
import { KernelUsageManager } from './running';

/** JupyterLab's commands that open a document, and a console by its path. */
const OPEN_DOCUMENT = 'docmanager:open';
const OPEN_CONSOLE = 'console:open';

/** Each kernel's memory and cores, in the Running panel. */
export const kernelUsagePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:kernel-usage',
  description:
    "Lists each kernel's memory and cores busy in the Running panel, largest first.",
  autoStart: true,
  requires: [IMetricsModel],
  optional: [IRunningSessionManagers, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    metrics: IMetricsModel,
    runningManagers: IRunningSessionManagers | null,
    translator: ITranslator | null
  ): void => {
    if (!runningManagers) {
      return;
    }
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const { sessions, kernels, kernelspecs } = app.serviceManager;
    const model = new KernelUsageModel({
      metrics,
      sessions,
      kernels,
      specs: kernelspecs
    });
    runningManagers.add(
      new KernelUsageManager({
        model,
        kernels,
        trans,
        open: ({ path, type }) =>
          void app.commands.execute(
            type === 'console' ? OPEN_CONSOLE : OPEN_DOCUMENT,
            { path }
          )
      })
    );
  }
};

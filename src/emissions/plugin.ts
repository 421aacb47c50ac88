import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IMeterRegistry } from '../meters/tokens';
import { IMetricsModel } from '../metrics/tokens';
import { openHistory } from '../power/plugin';
import { EmissionsMeterModel } from './model';
import { EmissionsMeter } from './widget';

/** The cumulative CO2 meter. */
export const emissionsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:emissions',
  description:
    "Shows the CO2-equivalent emissions of this server's CPU and GPU energy, from a live grid emission factor.",
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
    const model = new EmissionsMeterModel({ metrics });
    meters.add({
      id: emissionsPlugin.id,
      rank: 5,
      model,
      createWidget: () =>
        new EmissionsMeter({ model, trans, onActivate: () => openHistory(app) })
    });
  }
};

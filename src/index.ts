import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { clientPlugin } from './client/plugin';
import { emissionsPlugin } from './emissions/plugin';
import { historyPlugin } from './history/plugin';
import { memoryPlugin } from './memory/plugin';
import { metersPlugin } from './meters/plugin';
import { metricsPlugin } from './metrics/plugin';
import { powerPlugin } from './power/plugin';

export { HPCClient, HPCRequestError, IHPCClient } from './api/client';
export * from './api/types';
export { IMeterRegistry, MeterPlacement } from './meters/tokens';
export { IMetricsModel } from './metrics/tokens';

/** Every plugin of jupyterlab-hpc, one per concern. */
const plugins: JupyterFrontEndPlugin<unknown>[] = [
  clientPlugin,
  metricsPlugin,
  metersPlugin,
  memoryPlugin,
  powerPlugin,
  emissionsPlugin,
  historyPlugin
];

export default plugins;

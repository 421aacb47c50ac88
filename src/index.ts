import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { clientPlugin } from './client/plugin';
import { memoryPlugin } from './memory/plugin';
import { metricsPlugin } from './metrics/plugin';

export { HPCClient, HPCRequestError, IHPCClient } from './api/client';
export * from './api/types';
export { IMetricsModel } from './metrics/tokens';

/** Every plugin of jupyterlab-hpc, one per concern. */
const plugins: JupyterFrontEndPlugin<unknown>[] = [
  clientPlugin,
  metricsPlugin,
  memoryPlugin
];

export default plugins;

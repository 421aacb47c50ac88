import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { appsPlugin } from './apps/plugin';
import { bannerPlugin } from './banner/plugin';
import { clientPlugin } from './client/plugin';
import { cpuPlugin } from './cpu/plugin';
import { emissionsPlugin } from './emissions/plugin';
import { filesystemsPlugin } from './filesystems/plugin';
import { historyPlugin } from './history/plugin';
import { hubPlugin } from './hub/plugin';
import { idlePlugin } from './idle/plugin';
import { kernelUsagePlugin } from './kernelusage/plugin';
import { launcherPlugin } from './launcher/plugin';
import { memoryPlugin } from './memory/plugin';
import { metersPlugin } from './meters/plugin';
import { metricsPlugin } from './metrics/plugin';
import { modulesPlugin } from './modules/plugin';
import { powerPlugin } from './power/plugin';
import { sessionPlugin } from './session/plugin';
import { slurmPlugin } from './slurm/plugin';
import { newJobPlugin } from './slurm/newjob/plugin';
import { submitPlugin } from './slurm/submitplugin';

export { HPCClient, HPCRequestError, IHPCClient } from './api/client';
export * from './api/types';
export { IHPCLauncher } from './launcher/tokens';
export { IMeterRegistry, MeterPlacement } from './meters/tokens';
export { IMetricsModel } from './metrics/tokens';
export { ISlurmQueueModel } from './slurm/tokens';

/** Every plugin of jupyterlab-hpc, one per concern. */
const plugins: JupyterFrontEndPlugin<unknown>[] = [
  clientPlugin,
  metricsPlugin,
  metersPlugin,
  memoryPlugin,
  cpuPlugin,
  kernelUsagePlugin,
  powerPlugin,
  emissionsPlugin,
  historyPlugin,
  launcherPlugin,
  appsPlugin,
  slurmPlugin,
  submitPlugin,
  newJobPlugin,
  sessionPlugin,
  idlePlugin,
  bannerPlugin,
  hubPlugin,
  filesystemsPlugin,
  modulesPlugin
];

export default plugins;

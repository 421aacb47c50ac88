import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { addModuleCommands, CommandIDs } from './commands';

export { CommandIDs };

/**
 * Environment modules: "Refresh Module Kernels", which looks for kernels in
 * modules at once instead of at the server's next search (every
 * `c.HPCModules.kernel_cache_ttl` seconds), in the command palette and the
 * Kernel menu (schema/modules.json). The kernels themselves come to the
 * launcher as kernelspecs, like any other.
 */
export const modulesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:modules',
  description:
    'Refreshes the kernels found inside environment modules (Lmod), so that new ones show in the launcher at once.',
  autoStart: true,
  requires: [IHPCClient],
  optional: [ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    addModuleCommands({
      commands: app.commands,
      client,
      kernelspecs: app.serviceManager.kernelspecs,
      trans
    });
    palette?.addItem({
      command: CommandIDs.refreshKernels,
      category: trans.__('HPC')
    });
  }
};

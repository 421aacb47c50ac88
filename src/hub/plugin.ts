import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { addHubCommands, CommandIDs } from './commands';

/**
 * Under JupyterHub: "Log out" with a confirmation, and "End Session".
 *
 * The top bar's "Hub Control Panel" and "Log out" items are placed by this
 * plugin's settings (schema/hub.json, `jupyter.lab.toolbars`): the first runs
 * JupyterLab's own `hub:control-panel`, the second this plugin's confirming
 * command, which runs `hub:logout`. "End Session" is in the File menu (same
 * settings), the command palette and the Slurm panel.
 */
export const hubPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:hub',
  description:
    'Asks before logging out of JupyterHub, and adds End Session: stop this server and its Slurm job through the hub.',
  autoStart: true,
  requires: [IHPCClient, JupyterFrontEnd.IPaths],
  optional: [ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    paths: JupyterFrontEnd.IPaths,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    addHubCommands({
      commands: app.commands,
      client,
      page: paths.urls,
      trans,
      navigate: url => window.location.assign(url)
    });
    palette?.addItem({
      command: CommandIDs.endSession,
      category: trans.__('HPC')
    });
  }
};

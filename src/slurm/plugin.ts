import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';

import { IHPCClient } from '../api/client';
import { SlurmScope } from '../api/types';
import { IHPCLauncher } from '../launcher/tokens';
import { followSetting } from '../settings';
import { SlurmActions } from './actions';
import { confirmCancel, showJobDetails } from './dialogs';
import { SlurmHistoryModel } from './history';
import { slurmIcon } from './icon';
import { SlurmQueueModel } from './model';
import { SlurmPanel } from './panel';
import { SlurmSession } from './session';
import { ISlurmQueueModel } from './tokens';

/** The command ids of the Slurm panel. */
export namespace CommandIDs {
  /** Show the Slurm panel in the left sidebar. */
  export const openSlurm = 'jupyterlab-hpc:open-slurm';
  /** Read the queue again now. */
  export const refreshJobs = 'jupyterlab-hpc:refresh-jobs';
}

/** The rank of the panel in the left sidebar: after the file browser and running sessions. */
const SIDEBAR_RANK = 300;

/** The Slurm sidebar panel, its launcher tile and the queue's one poll. */
export const slurmPlugin: JupyterFrontEndPlugin<ISlurmQueueModel> = {
  id: 'jupyterlab-hpc:slurm',
  description:
    'Lists, cancels, holds and releases Slurm jobs in a sidebar panel.',
  autoStart: true,
  requires: [IHPCClient],
  optional: [
    ITranslator,
    ILayoutRestorer,
    ICommandPalette,
    ILauncher,
    ISettingRegistry,
    IHPCLauncher
  ],
  provides: ISlurmQueueModel,
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    settingRegistry: ISettingRegistry | null,
    hpcLauncher: IHPCLauncher | null
  ): ISlurmQueueModel => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    // A closed sidebar panel costs no request; an open one in a hidden page neither.
    const model: SlurmQueueModel = new SlurmQueueModel({
      client,
      auto: false,
      standby: (): boolean | 'when-hidden' => !panel.isVisible || 'when-hidden'
    });
    const history = new SlurmHistoryModel({ client });
    // The job this JupyterLab runs in: marked in the queue, warned of on cancel.
    const session = new SlurmSession({ client, commands: app.commands });
    const actions: SlurmActions = new SlurmActions({
      client,
      model,
      session,
      trans,
      confirm: confirmCancel(trans),
      showDetails: job =>
        showJobDetails({
          client,
          job,
          trans,
          open: path => void app.commands.execute('docmanager:open', { path })
        })
    });
    const panel: SlurmPanel = new SlurmPanel({
      model,
      history,
      actions,
      session,
      trans
    });
    app.shell.add(panel, 'left', { rank: SIDEBAR_RANK });
    restorer?.add(panel, panel.id);
    void model.poll.start();

    app.commands.addCommand(CommandIDs.openSlurm, {
      label: trans.__('Slurm jobs'),
      caption: trans.__('Show the Slurm queue in the left sidebar'),
      icon: slurmIcon,
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    app.commands.addCommand(CommandIDs.refreshJobs, {
      label: trans.__('Refresh Slurm Jobs'),
      caption: trans.__('Read the Slurm queue again now'),
      icon: refreshIcon,
      execute: () => model.refresh()
    });

    // Through the ordered launcher when there is one: HPC Tools sits then
    // where the server's category order puts it, not after Other.
    (hpcLauncher ?? launcher)?.add({
      command: CommandIDs.openSlurm,
      category: trans.__('HPC Tools'),
      rank: 10
    });
    const category = trans.__('HPC');
    palette?.addItem({ command: CommandIDs.openSlurm, category });
    palette?.addItem({ command: CommandIDs.refreshJobs, category });

    // Applied when the setting itself changes, not when another one does, so
    // that the panel's own toggle is not undone by an unrelated change.
    let scopeSetting: SlurmScope | null = null;
    followSetting<SlurmScope>(
      settingRegistry,
      slurmPlugin.id,
      'scope',
      value => {
        if (value !== scopeSetting) {
          scopeSetting = value;
          model.scope = value === 'all' ? 'all' : 'mine';
        }
      }
    );
    followSetting<number>(
      settingRegistry,
      slurmPlugin.id,
      'historyDays',
      value => {
        history.days = value;
      }
    );
    return model;
  }
};

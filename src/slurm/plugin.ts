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
import { SlurmQueueModel, acquireWhileVisible } from './model';
import { SlurmNotifier } from './notify';
import { SlurmPanel } from './panel';
import { SlurmSession } from './session';
import { ISlurmQueueModel } from './tokens';

/** The command ids of the Slurm panel. */
export namespace CommandIDs {
  /** Show the Slurm panel in the left sidebar. */
  export const openSlurm = 'jupyterlab-hpc:open-slurm';
  export const openSlurmMain = 'jupyterlab-hpc:open-slurm-main';
  /** Read the queue again now. */
  export const refreshJobs = 'jupyterlab-hpc:refresh-jobs';
}

/** The rank of the panel in the left sidebar: after the file browser and running sessions. */
const SIDEBAR_RANK = 300;
/** The id of the queue's tab in the main area (the sidebar's is the panel's default). */
const MAIN_PANEL_ID = 'jupyterlab-hpc-slurm-main';

/** The Slurm sidebar panel, its launcher tile and the queue's one poll. */
export const slurmPlugin: JupyterFrontEndPlugin<ISlurmQueueModel> = {
  id: 'jupyterlab-hpc:slurm',
  description:
    'Lists, cancels, holds and releases Slurm jobs in a sidebar panel, and notifies when they start and end.',
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
    // The visible panel holds the poll; with the panel closed, only the
    // user's pending and running jobs are watched (for the notifications),
    // and nothing at all is asked while the page is hidden. With settings,
    // the watch waits for them: "off" must not cost even the first look.
    const model = new SlurmQueueModel({
      client,
      auto: false,
      watchEvents: settingRegistry === null
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
    acquireWhileVisible(model, panel);
    void model.poll.start();

    // The launcher's tile opens the queue in the main area, where it has room
    // for the full table; one such tab at a time.
    let mainPanel: SlurmPanel | null = null;
    const openMain = (): void => {
      if (mainPanel === null || mainPanel.isDisposed) {
        mainPanel = new SlurmPanel({
          model,
          history,
          actions,
          session,
          trans,
          id: MAIN_PANEL_ID
        });
        mainPanel.title.label = trans.__('Slurm jobs');
        mainPanel.title.closable = true;
        acquireWhileVisible(model, mainPanel);
        app.shell.add(mainPanel, 'main');
      }
      app.shell.activateById(mainPanel.id);
    };

    const notifier = new SlurmNotifier({
      model,
      trans,
      show: () => app.shell.activateById(panel.id)
    });

    app.commands.addCommand(CommandIDs.openSlurm, {
      label: trans.__('Slurm jobs'),
      caption: trans.__('Show the Slurm queue in the left sidebar'),
      icon: slurmIcon,
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    app.commands.addCommand(CommandIDs.openSlurmMain, {
      label: args =>
        args.isLauncher
          ? trans.__('Slurm jobs')
          : trans.__('Slurm Jobs in a Tab'),
      caption: trans.__(
        'Show the Slurm queue in the main area, as a full table'
      ),
      icon: slurmIcon,
      execute: openMain
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
      command: CommandIDs.openSlurmMain,
      category: trans.__('HPC Tools'),
      rank: 10
    });
    const category = trans.__('HPC');
    palette?.addItem({ command: CommandIDs.openSlurm, category });
    palette?.addItem({ command: CommandIDs.openSlurmMain, category });
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
    followSetting<boolean>(
      settingRegistry,
      slurmPlugin.id,
      'notifications',
      value => {
        // Off: no notification, and a closed panel costs no request at all.
        notifier.enabled = value !== false;
        model.watchEvents = value !== false;
      }
    );
    return model;
  }
};

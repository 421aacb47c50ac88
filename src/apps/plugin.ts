import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import {
  IRunningSessionManagers,
  IRunningSessionSidebar
} from '@jupyterlab/running';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { IHPCClient } from '../api/client';
import { IApps, IAppSpec, IDashboardSpec } from '../api/types';
import { IHPCLauncher } from '../launcher/tokens';
import { appIcon, tileIcon } from '../launcher/icons';
import { followSetting } from '../settings';
import { addAppCommands, CommandIDs } from './commands';
import { showFailure } from './dialogs';
import { AppLaunches } from './launch';
import { createLogWidget } from './log';
import { LaunchMemory } from './memory';
import { RunningAppsModel } from './model';
import { AppOpener, OpenIn } from './opener';
import { RunningAppsManager } from './running';

export { CommandIDs };

/**
 * Applications and Dashboards: their launcher tiles, launch dialogs, the
 * launch's progress, and the Applications section of the Running panel.
 */
export const appsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:apps',
  description:
    'Launches applications and dashboards behind the Jupyter server proxy and lists them in the Running panel.',
  autoStart: true,
  requires: [IHPCClient, IHPCLauncher],
  optional: [
    ITranslator,
    IStateDB,
    ISettingRegistry,
    ICommandPalette,
    IRunningSessionManagers,
    IRunningSessionSidebar,
    ILayoutRestorer
  ],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    launcher: IHPCLauncher,
    translator: ITranslator | null,
    state: IStateDB | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    runningManagers: IRunningSessionManagers | null,
    runningSidebar: IRunningSessionSidebar | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');

    let openIn: OpenIn = 'browser-tab';
    followSetting<OpenIn>(settingRegistry, appsPlugin.id, 'openIn', value => {
      openIn = value === 'jupyterlab-tab' ? value : 'browser-tab';
    });

    // The Running panel is the one reader of apps/running at rest: no
    // request while it is closed, unless a dialog or a launch needs one.
    const sidebar = runningSidebar instanceof Widget ? runningSidebar : null;
    const model = new RunningAppsModel({
      client,
      isShown: () => !!sidebar?.isVisible
    });
    if (sidebar) {
      // Fresh at once when the panel opens, not at the next tick.
      MessageLoop.installMessageHook(sidebar, (_, message) => {
        if (message.type === 'after-show') {
          void model.refresh();
        }
        return true;
      });
    }
    const opener = new AppOpener({
      openIn: () => openIn,
      addWidget: widget => {
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
      },
      trans
    });
    const showLog = (name: string, endpoint: number) =>
      void app.commands.execute(CommandIDs.appLog, { name, endpoint });
    const launches = new AppLaunches({
      client,
      model,
      opener,
      trans,
      showLog,
      showFailure: (instance, tail) =>
        void showFailure(instance, tail, trans, () =>
          showLog(instance.name, instance.endpoint)
        )
    });

    const icons = new Map<string, LabIcon>();
    let catalogue: IApps | null = null;
    addAppCommands({
      app,
      client,
      trans,
      model,
      opener,
      launches,
      memory: new LaunchMemory({ state }),
      catalogue: () => catalogue,
      icon: key => icons.get(key) ?? appIcon,
      createLog: (name, endpoint, title) =>
        createLogWidget({ client, name, endpoint, title, trans })
    });

    void launcher.catalogue.then(apps => {
      catalogue = apps;
      const tiles = { client, launcher, palette, icons, trans };
      apps?.apps.forEach((spec, rank) =>
        Private.addTile(tiles, CommandIDs.launchApp, 'app', spec, rank)
      );
      apps?.dashboards.forEach((spec, rank) =>
        Private.addTile(
          tiles,
          CommandIDs.openDashboard,
          'dashboard',
          spec,
          rank
        )
      );
      app.commands.notifyCommandChanged();
    });

    runningManagers?.add(
      new RunningAppsManager({
        model,
        client,
        trans,
        icon: name => icons.get(`app-${name}`) ?? appIcon,
        open: instance =>
          void app.commands.execute(CommandIDs.openApp, {
            name: instance.name,
            endpoint: instance.endpoint
          }),
        showLog: instance => showLog(instance.name, instance.endpoint)
      })
    );
    app.contextMenu.addItem({
      command: CommandIDs.appLog,
      selector: '.jp-hpc-RunningApp',
      rank: 10
    });

    if (restorer) {
      void restorer.restore(opener.tracker, {
        command: CommandIDs.openAppTab,
        args: widget => ({ ...opener.page(widget) }),
        name: widget => opener.page(widget)?.key ?? widget.id
      });
    }
  }
};

namespace Private {
  /** Where tiles go. */
  export interface ITiles {
    client: IHPCClient;
    launcher: IHPCLauncher;
    palette: ICommandPalette | null;
    /** The icons by `<kind>-<name>`, filled here. */
    icons: Map<string, LabIcon>;
    trans: TranslationBundle;
  }

  /** A launcher tile and a palette item of an app or dashboard, with its icon. */
  export function addTile(
    tiles: ITiles,
    command: string,
    kind: 'app' | 'dashboard',
    spec: IAppSpec | IDashboardSpec,
    rank: number
  ): void {
    const key = `${kind}-${spec.name}`;
    tiles.icons.set(key, tileIcon(tiles.client, key, spec.icon_url));
    const args = { name: spec.name };
    tiles.launcher.add({
      command,
      args,
      category: tiles.launcher.categoryLabel(spec.category),
      rank
    });
    tiles.palette?.addItem({ command, args, category: tiles.trans.__('HPC') });
  }
}

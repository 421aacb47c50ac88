import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { IHPCClient } from '../api/client';
import { IApps } from '../api/types';
import { showDashboardDialog } from './dashboards';
import { showLaunchDialog, showUnavailable } from './dialogs';
import { instanceLabel } from './format';
import { AppLaunches } from './launch';
import { AppLogView, logWidgetId } from './log';
import { LaunchMemory } from './memory';
import { RunningAppsModel } from './model';
import { AppOpener } from './opener';

/** The command ids of applications and dashboards. */
export namespace CommandIDs {
  /** Ask how to launch an app, and launch it. Argument: `name`. */
  export const launchApp = 'jupyterlab-hpc:launch-app';
  /** Ask a dashboard's port and open it. Argument: `name`. */
  export const openDashboard = 'jupyterlab-hpc:open-dashboard';
  /** Open a running app where `openIn` says. Arguments: `name`, `endpoint`. */
  export const openApp = 'jupyterlab-hpc:open-app';
  /** Show a page in a JupyterLab tab (the layout restorer's). Arguments: `key`, `label`, `url`. */
  export const openAppTab = 'jupyterlab-hpc:open-app-tab';
  /**
   * Open an app's log in a tab. Arguments: `name`, `endpoint`; without
   * them, the Running panel item the context menu was opened on.
   */
  export const appLog = 'jupyterlab-hpc:app-log';
}

/** Add the commands of applications and dashboards. */
export function addAppCommands(options: IAppCommandsOptions): void {
  const { app, client, trans, model, opener } = options;
  const { commands } = app;
  const appSpec = (args: ReadonlyPartialJSONObject) =>
    options.catalogue()?.apps.find(spec => spec.name === args.name);
  const dashboardSpec = (args: ReadonlyPartialJSONObject) =>
    options.catalogue()?.dashboards.find(spec => spec.name === args.name);

  commands.addCommand(CommandIDs.launchApp, {
    label: args => {
      const spec = appSpec(args);
      if (!spec) {
        return String(args.name ?? '');
      }
      // The launcher cannot grey out one tile: the label says it.
      return spec.available
        ? spec.title
        : trans.__('%1 (unavailable)', spec.title);
    },
    caption: args => {
      const spec = appSpec(args);
      if (!spec) {
        return '';
      }
      return spec.available
        ? trans.__('Launch %1', spec.title)
        : trans.__('%1 is not available: %2', spec.title, spec.reason ?? '');
    },
    icon: args => options.icon(`app-${args.name}`),
    execute: async args => {
      const spec = appSpec(args);
      if (!spec) {
        console.warn(`jupyterlab-hpc: no app named ${args.name}`);
        return;
      }
      if (!spec.available) {
        return showUnavailable(spec, trans);
      }
      return showLaunchDialog({
        app: spec,
        model,
        memory: options.memory,
        launches: options.launches,
        trans
      });
    }
  });

  commands.addCommand(CommandIDs.openDashboard, {
    label: args => dashboardSpec(args)?.title ?? String(args.name ?? ''),
    caption: args => {
      const spec = dashboardSpec(args);
      return spec ? trans.__('Open %1 through the proxy', spec.title) : '';
    },
    icon: args => options.icon(`dashboard-${args.name}`),
    execute: async args => {
      const dashboard = dashboardSpec(args);
      if (dashboard) {
        await showDashboardDialog({ client, dashboard, opener, trans });
      }
    }
  });

  commands.addCommand(CommandIDs.openApp, {
    label: trans.__('Open Application'),
    caption: trans.__('Open a running application'),
    // Synchronous: a browser tab may open only in the click's own handler.
    execute: args => {
      const instance = model.find(String(args.name), Number(args.endpoint));
      if (!instance) {
        return;
      }
      opener.open({
        key: `${instance.name}/${instance.endpoint}`,
        label: instanceLabel(instance.title, instance.endpoint, trans),
        url: client.resolveUrl(instance.open_url)
      });
    }
  });

  commands.addCommand(CommandIDs.openAppTab, {
    label: args => String(args.label ?? trans.__('Application')),
    execute: args => {
      if (typeof args.url !== 'string' || typeof args.key !== 'string') {
        return;
      }
      return opener.openTab({
        key: args.key,
        label: String(args.label ?? args.key),
        url: args.url
      });
    }
  });

  commands.addCommand(CommandIDs.appLog, {
    label: trans.__('Show Log'),
    caption: trans.__("Show the application's recent output"),
    execute: args => {
      const target = Private.logTarget(app, args);
      if (!target) {
        return;
      }
      const { name, endpoint } = target;
      const title =
        model.find(name, endpoint)?.title ??
        options.catalogue()?.apps.find(spec => spec.name === name)?.title ??
        name;
      const id = logWidgetId(name, endpoint);
      const existing = Array.from(app.shell.widgets('main')).find(
        widget => widget.id === id
      ) as MainAreaWidget<AppLogView> | undefined;
      if (existing) {
        void existing.content.refresh();
        app.shell.activateById(id);
        return existing;
      }
      const log = options.createLog(name, endpoint, title);
      app.shell.add(log, 'main');
      app.shell.activateById(log.id);
      return log;
    }
  });
}

/** The options of `addAppCommands`. */
export interface IAppCommandsOptions {
  app: JupyterFrontEnd;
  client: IHPCClient;
  trans: TranslationBundle;
  model: RunningAppsModel;
  opener: AppOpener;
  launches: AppLaunches;
  memory: LaunchMemory;
  /** The answer of `GET apps`, null until it comes or when it failed. */
  catalogue(): IApps | null;
  /** A tile's icon, by `app-<name>` or `dashboard-<name>`. */
  icon(key: string): LabIcon;
  /** A log tab of an instance. */
  createLog(
    name: string,
    endpoint: number,
    title: string
  ): MainAreaWidget<AppLogView>;
}

namespace Private {
  /** The instance of a log command: its arguments, or the context menu's item. */
  export function logTarget(
    app: JupyterFrontEnd,
    args: ReadonlyPartialJSONObject
  ): { name: string; endpoint: number } | null {
    if (typeof args.name === 'string' && args.endpoint !== undefined) {
      return { name: args.name, endpoint: Number(args.endpoint) };
    }
    const node = app.contextMenuHitTest(node =>
      node.classList.contains('jp-hpc-RunningApp')
    );
    // The Running panel item's context is `<name>/<endpoint>`.
    const match = /^(.+)\/(\d+)$/.exec(node?.dataset.context ?? '');
    return match ? { name: match[1], endpoint: Number(match[2]) } : null;
  }
}

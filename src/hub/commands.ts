import { Dialog, showDialog } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';

import { IHPCClient } from '../api/client';
import { IInfo } from '../api/types';
import { endSession } from '../session/end';

/** The command ids of the hub plugin. */
export namespace CommandIDs {
  /** Ask, then run JupyterLab's `hub:logout`. */
  export const logout = 'jupyterlab-hpc:hub-logout';
  /** Ask, then stop this server through the hub, which ends its Slurm job. */
  export const endSession = 'jupyterlab-hpc:end-session';
}

/**
 * JupyterLab's own hub commands (`@jupyterlab/hub-extension`), registered
 * only when the page config names a hub (`hubPrefix`).
 */
export const HUB_COMMANDS = {
  controlPanel: 'hub:control-panel',
  logout: 'hub:logout'
};

/** What JupyterLab's page config says of the hub (`app.paths.urls`). */
export interface IHubPageConfig {
  hubPrefix?: string;
  hubHost?: string;
}

/**
 * The hub's home page (its control panel), as `hub:control-panel` opens it:
 * from the page config, else from the server's `GET info`; null outside a hub.
 */
export function hubHome(
  page: IHubPageConfig,
  fromServer: IInfo['hub'],
  resolve: (url: string) => string
): string | null {
  if (page.hubPrefix) {
    return (page.hubHost ?? '') + URLExt.join(page.hubPrefix, 'home');
  }
  return fromServer ? resolve(fromServer.control_panel_url) : null;
}

/**
 * Add the confirming "Log out" and "End Session" commands.
 *
 * "Log out" exists only where JupyterLab's `hub:logout` does; "End Session"
 * only under a hub (page config or `GET info`) in a Slurm job (`GET info`).
 * Both tell the toolbars, menus and palette when that changes, and so does
 * `hub:control-panel` when it comes after a top-bar button was drawn (the
 * button draws the command only on a change, not on its addition).
 */
export function addHubCommands(options: IHubCommandsOptions): IDisposable {
  const { commands, client, page, trans } = options;
  let info: IInfo | null = null;
  const home = (): string | null =>
    info ? hubHome(page, info.hub, url => client.resolveUrl(url)) : null;
  const sessionJob = (): string | null =>
    home() !== null ? (info?.job?.id ?? null) : null;

  const hasLogout = () => commands.hasCommand(HUB_COMMANDS.logout);
  const logout = commands.addCommand(CommandIDs.logout, {
    label: trans.__('Log out'),
    caption: trans.__(
      'Log out of JupyterHub: your Jupyter servers and their Slurm jobs stop (asks first)'
    ),
    isVisible: hasLogout,
    isEnabled: hasLogout,
    execute: async () => {
      const result = await showDialog({
        title: trans.__('Log out?'),
        body: trans.__(
          'Logging out stops your running Jupyter servers, and the Slurm jobs they run in. Work that is not saved is lost.'
        ),
        buttons: [
          Dialog.cancelButton(),
          Dialog.warnButton({ label: trans.__('Log out') })
        ],
        defaultButton: 0
      });
      if (result.button.accept && hasLogout()) {
        await commands.execute(HUB_COMMANDS.logout);
      }
    }
  });

  const canEnd = () => sessionJob() !== null;
  const end = commands.addCommand(CommandIDs.endSession, {
    label: trans.__('End Session'),
    caption: trans.__(
      'Stop this JupyterLab and end its Slurm job, releasing the allocation (asks first)'
    ),
    isVisible: canEnd,
    isEnabled: canEnd,
    execute: async () => {
      const jobId = sessionJob();
      const url = home();
      if (jobId === null || url === null) {
        return false;
      }
      return endSession({
        client,
        jobId,
        hubHome: url,
        navigate: options.navigate,
        trans
      });
    }
  });

  const onChanged = (
    sender: CommandRegistry,
    change: CommandRegistry.ICommandChangedArgs
  ): void => {
    if (change.type !== 'added' && change.type !== 'removed') {
      return;
    }
    if (change.id === HUB_COMMANDS.logout) {
      commands.notifyCommandChanged(CommandIDs.logout);
    } else if (
      change.id === HUB_COMMANDS.controlPanel &&
      change.type === 'added'
    ) {
      commands.notifyCommandChanged(HUB_COMMANDS.controlPanel);
    }
  };
  commands.commandChanged.connect(onChanged);
  // A top-bar button drawn before this command existed draws it now.
  commands.notifyCommandChanged(CommandIDs.logout);

  let disposed = false;
  void client.info().then(
    answer => {
      if (!disposed) {
        info = answer;
        commands.notifyCommandChanged(CommandIDs.endSession);
      }
    },
    // Without GET info, End Session stays hidden.
    () => undefined
  );

  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      if (disposed) {
        return;
      }
      disposed = true;
      commands.commandChanged.disconnect(onChanged);
      logout.dispose();
      end.dispose();
    }
  };
}

/** The options of `addHubCommands`. */
export interface IHubCommandsOptions {
  /** The application's commands, where JupyterLab's hub commands may be. */
  commands: CommandRegistry;
  /** The API client (`GET info`, `POST session/end`). */
  client: IHPCClient;
  /** JupyterLab's page config (`app.paths.urls`). */
  page: IHubPageConfig;
  /** Leave this page for a URL, in the same window. */
  navigate: (url: string) => void;
  /** The jupyterlab_hpc translations. */
  trans: TranslationBundle;
}

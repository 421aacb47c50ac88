import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { HubLinks } from './links';

/** JupyterLab's own hub commands (@jupyterlab/hub-extension), used when registered. */
export const HUB_COMMANDS = {
  controlPanel: 'hub:control-panel',
  logout: 'hub:logout'
};

/** Which of the two hub buttons. */
export type HubAction = 'control-panel' | 'logout';

/**
 * A top-bar button for the hub: "Hub Control Panel" or "Log out". Hidden
 * until the hub's links are known, and for good outside a hub.
 */
export class HubButton extends Widget {
  constructor(options: HubButton.IOptions) {
    super({ node: document.createElement('button') });
    const { action, trans } = options;
    this._options = options;
    const button = this.node as HTMLButtonElement;
    button.type = 'button';
    this.addClass('jp-Button');
    this.addClass('jp-mod-minimal');
    this.addClass('jp-hpc-HubButton');
    this.addClass(`jp-hpc-HubButton-${action}`);
    button.textContent =
      action === 'logout' ? trans.__('Log out') : trans.__('Hub Control Panel');
    button.title =
      action === 'logout'
        ? trans.__('Log out of JupyterHub')
        : trans.__('Open the JupyterHub control panel in a new browser tab');
    button.addEventListener('click', () => void this.activate());
    this.hide();
    void options.links.then(links => {
      this._links = links;
      this.setHidden(links === null);
    });
  }

  /** What a click does: open the control panel, or log out after confirmation. */
  async activate(): Promise<void> {
    const { action, commands, trans } = this._options;
    const links = this._links;
    if (!links) {
      return;
    }
    if (action === 'control-panel') {
      if (commands.hasCommand(HUB_COMMANDS.controlPanel)) {
        await commands.execute(HUB_COMMANDS.controlPanel);
      } else {
        this._options.open(links.control_panel_url);
      }
      return;
    }
    const result = await showDialog({
      title: trans.__('Log out?'),
      body: trans.__(
        'Logging out stops your running Jupyter servers, and the Slurm jobs they run in. Work that is not saved is lost.'
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Log out') })
      ]
    });
    if (!result.button.accept) {
      return;
    }
    if (commands.hasCommand(HUB_COMMANDS.logout)) {
      await commands.execute(HUB_COMMANDS.logout);
    } else {
      this._options.navigate(links.logout_url);
    }
  }

  private _links: HubLinks | null = null;
  private _options: HubButton.IOptions;
}

/** A namespace for `HubButton` statics. */
export namespace HubButton {
  /** The options of a hub button. */
  export interface IOptions {
    /** Which button. */
    action: HubAction;
    /** The hub's links once known (null: not under a hub). */
    links: Promise<HubLinks | null>;
    /** The application's commands, where JupyterLab's hub commands may be. */
    commands: CommandRegistry;
    /** Open a URL in a new browser tab (when the hub commands are missing). */
    open: (url: string) => void;
    /** Leave the page for a URL (when the hub commands are missing). */
    navigate: (url: string) => void;
    /** The jupyterlab_hpc translations. */
    trans: TranslationBundle;
  }
}

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IToolbarWidgetRegistry } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { HubLinks, hubLinks } from './links';
import { HubAction, HubButton } from './widget';

/** The names of the hub buttons in the TopBar toolbar (schema/hub.json). */
export const HUB_ITEMS: Record<HubAction, string> = {
  'control-panel': 'hpc-hub-control-panel',
  logout: 'hpc-hub-logout'
};

/** "Hub Control Panel" and "Log out" in the top bar, under JupyterHub only. */
export const hubPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:hub',
  description:
    'Adds the JupyterHub control panel and log-out buttons to the top bar.',
  autoStart: true,
  requires: [IHPCClient, IToolbarWidgetRegistry, JupyterFrontEnd.IPaths],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    toolbarRegistry: IToolbarWidgetRegistry,
    paths: JupyterFrontEnd.IPaths,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const page = paths.urls;
    // The page config is enough when it names the hub; else the server says.
    const links: Promise<HubLinks | null> = page.hubPrefix
      ? Promise.resolve(hubLinks(page, null))
      : client.info().then(
          info => hubLinks(page, info.hub),
          () => null
        );
    const resolved = links.then(found =>
      found
        ? {
            control_panel_url: client.resolveUrl(found.control_panel_url),
            logout_url: client.resolveUrl(found.logout_url)
          }
        : null
    );
    for (const action of Object.keys(HUB_ITEMS) as HubAction[]) {
      toolbarRegistry.addFactory(
        'TopBar',
        HUB_ITEMS[action],
        () =>
          new HubButton({
            action,
            links: resolved,
            commands: app.commands,
            trans,
            open: url => window.open(url, '_blank', 'noopener'),
            navigate: url => window.location.assign(url)
          })
      );
    }
  }
};

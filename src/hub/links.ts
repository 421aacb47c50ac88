import { URLExt } from '@jupyterlab/coreutils';

import { IInfo } from '../api/types';

/** The hub's control panel and log-out URLs. */
export type HubLinks = NonNullable<IInfo['hub']>;

/** What JupyterLab's page config says of the hub (`app.paths.urls`). */
export interface IHubPageConfig {
  hubPrefix?: string;
  hubHost?: string;
}

/**
 * The hub's links from JupyterLab's page config (what its own hub commands
 * use), else from the server's `GET info`; null outside a hub.
 */
export function hubLinks(
  page: IHubPageConfig,
  fromServer: IInfo['hub']
): HubLinks | null {
  if (page.hubPrefix) {
    const host = page.hubHost ?? '';
    return {
      control_panel_url: host + URLExt.join(page.hubPrefix, 'home'),
      logout_url: host + URLExt.join(page.hubPrefix, 'logout')
    };
  }
  return fromServer ?? null;
}

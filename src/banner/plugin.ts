import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IToolbarWidgetRegistry } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { BannerModel } from './model';
import { BannerWidget } from './widget';

/** The name of the banner's item in the TopBar toolbar (schema/banner.json). */
export const BANNER_ITEM = 'hpc-banner';

/** The admin's banner and the sandbox badge, in JupyterLab's top bar. */
export const bannerPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:banner',
  description:
    "Shows the administrator's banner and the sandbox-mode badge in the top bar.",
  autoStart: true,
  requires: [IHPCClient, IToolbarWidgetRegistry],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    toolbarRegistry: IToolbarWidgetRegistry,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const model = new BannerModel({ client });
    toolbarRegistry.addFactory(
      'TopBar',
      BANNER_ITEM,
      () => new BannerWidget({ model, trans })
    );
  }
};

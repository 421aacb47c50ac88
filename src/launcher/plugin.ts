import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { documentationIcon } from './icons';
import { HPCLauncher } from './launcher';
import { BUILTIN_RANKS } from './ranks';
import { IHPCLauncher } from './tokens';

/** The command ids of the launcher. */
export namespace CommandIDs {
  /** Open a documentation link in a new browser tab. Arguments: `url`, `title`. */
  export const openDocumentation = 'jupyterlab-hpc:open-documentation';
}

/**
 * The launcher's categories in the server's order (`c.HPCApps.categories`),
 * and the Documentation tiles (`c.HPCApps.documentation`).
 */
export const launcherPlugin: JupyterFrontEndPlugin<IHPCLauncher> = {
  id: 'jupyterlab-hpc:launcher',
  description:
    'Orders the launcher categories as the server says and adds the documentation links.',
  autoStart: true,
  requires: [IHPCClient],
  optional: [ILauncher, ITranslator, ICommandPalette],
  provides: IHPCLauncher,
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    launcher: ILauncher | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ): IHPCLauncher => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const labTrans = (translator ?? nullTranslator).load('jupyterlab');
    const hpcLauncher = new HPCLauncher({
      client,
      launcher,
      // JupyterLab's own categories are named with its own translations.
      label: name => (name in BUILTIN_RANKS ? labTrans : trans).__(name)
    });

    app.commands.addCommand(CommandIDs.openDocumentation, {
      label: args =>
        typeof args.title === 'string' && args.title
          ? args.title
          : trans.__('Documentation'),
      caption: args =>
        typeof args.url === 'string'
          ? trans.__('Open %1 in a new browser tab', args.url)
          : '',
      icon: documentationIcon,
      execute: args => {
        const url = Private.webUrl(args.url);
        if (url) {
          window.open(url, '_blank', 'noopener');
        }
      }
    });

    void hpcLauncher.catalogue.then(apps => {
      (apps?.documentation ?? []).forEach((link, rank) => {
        if (!Private.webUrl(link.url)) {
          console.warn(`jupyterlab-hpc: ${link.url} is not a web address`);
          return;
        }
        const args = { url: link.url, title: link.title };
        hpcLauncher.add({
          command: CommandIDs.openDocumentation,
          args,
          category: trans.__('Documentation'),
          rank
        });
        palette?.addItem({
          command: CommandIDs.openDocumentation,
          args,
          category: trans.__('HPC')
        });
      });
    });
    return hpcLauncher;
  }
};

namespace Private {
  /** The URL when it is an http(s) one: a link must not run script. */
  export function webUrl(value: unknown): string | null {
    if (typeof value !== 'string') {
      return null;
    }
    try {
      const url = new URL(value, window.location.href);
      return url.protocol === 'https:' || url.protocol === 'http:'
        ? url.href
        : null;
    } catch {
      return null;
    }
  }
}

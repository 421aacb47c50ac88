import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { IHPCClient } from '../api/client';
import { slurmIcon } from './icon';
import { isBatchScript, submitScript } from './submit';
import { ISlurmQueueModel } from './tokens';

/** The command ids of batch submission. */
export namespace CommandIDs {
  /**
   * Submit batch scripts with sbatch. Arguments: `path` (a script relative
   * to the server root), or `source`: `"browser"` (the file browser's
   * selection) or `"editor"` (the current document, saved first); without
   * either, the current document when it is a script, else the selection.
   */
  export const submitJob = 'jupyterlab-hpc:submit-job';
}

/** "Submit to Slurm" for `.sh`, `.slurm` and `.sbatch` files. */
export const submitPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:slurm-submit',
  description:
    'Submits batch scripts to Slurm from the file browser, the editor and the palette.',
  autoStart: true,
  requires: [IHPCClient],
  optional: [
    ISlurmQueueModel,
    IFileBrowserFactory,
    IDocumentManager,
    ICommandPalette,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    queue: ISlurmQueueModel | null,
    browsers: IFileBrowserFactory | null,
    docManager: IDocumentManager | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const contents = app.serviceManager.contents;
    // .sh stays a plain text file: other extensions may own shell scripts.
    app.docRegistry.addFileType({
      name: 'slurm-script',
      displayName: trans.__('Slurm batch script'),
      extensions: ['.slurm', '.sbatch'],
      mimeTypes: ['text/x-sh'],
      icon: slurmIcon,
      contentType: 'file',
      fileFormat: 'text'
    });

    /** The current document, when it is a script on the server's own drive. */
    const editorTarget = (): Private.ITarget | null => {
      const widget = app.shell.currentWidget;
      const context = widget && docManager?.contextForWidget(widget);
      if (!context || contents.driveName(context.path)) {
        return null;
      }
      if (!isBatchScript(context.localPath)) {
        return null;
      }
      return {
        path: context.localPath,
        save: () => (context.model.dirty ? context.save() : Promise.resolve())
      };
    };

    /** The file browser's selection, when every selected item is a script. */
    const browserTargets = (): Private.ITarget[] => {
      const browser = browsers?.tracker.currentWidget;
      const items = browser ? Array.from(browser.selectedItems()) : [];
      const scripts = items.filter(
        item =>
          item.type !== 'directory' &&
          !contents.driveName(item.path) &&
          isBatchScript(item.path)
      );
      return scripts.length === items.length
        ? scripts.map(item => ({ path: item.path }))
        : [];
    };

    const targets = (args: ReadonlyPartialJSONObject): Private.ITarget[] => {
      if (typeof args.path === 'string' && args.path) {
        return [{ path: args.path }];
      }
      const editor = args.source === 'browser' ? null : editorTarget();
      if (editor || args.source === 'editor') {
        return editor ? [editor] : [];
      }
      return browserTargets();
    };

    app.commands.addCommand(CommandIDs.submitJob, {
      label: trans.__('Submit to Slurm'),
      caption: trans.__('Submit this batch script with sbatch'),
      icon: slurmIcon,
      isVisible: args => targets(args).length > 0,
      execute: async args => {
        for (const target of targets(args)) {
          // sbatch reads the file on disk: what the user sees must be there.
          await target.save?.();
          await submitScript({
            client,
            path: target.path,
            trans,
            onSubmitted: () => queue?.refresh()
          });
        }
      }
    });

    app.contextMenu.addItem({
      command: CommandIDs.submitJob,
      selector: '.jp-DirListing-item[data-isdir="false"]',
      rank: 10,
      args: { source: 'browser' }
    });
    app.contextMenu.addItem({
      command: CommandIDs.submitJob,
      selector: '.jp-FileEditor',
      rank: 10,
      args: { source: 'editor' }
    });
    palette?.addItem({
      command: CommandIDs.submitJob,
      category: trans.__('HPC')
    });
    // The editor's toolbar button shows only for scripts: recheck on focus.
    app.shell.currentChanged?.connect(() =>
      app.commands.notifyCommandChanged(CommandIDs.submitJob)
    );
  }
};

namespace Private {
  /** A script to submit, and how to save it first when it is open. */
  export interface ITarget {
    path: string;
    save?: () => Promise<void>;
  }
}

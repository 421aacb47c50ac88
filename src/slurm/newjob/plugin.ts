import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import {
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../../api/client';
import { IHPCLauncher } from '../../launcher/tokens';
import { slurmIcon } from '../icon';
import { ISlurmQueueModel } from '../tokens';
import { NewJobModel } from './model';
import { UserTemplates } from './store';
import { createNewJobTab } from './widget';

/** The command ids of the New job form. */
export namespace CommandIDs {
  /**
   * Open the New job form. Argument: `cwd`, the folder the job starts in
   * (relative to the server root); the file browser's folder by default.
   */
  export const newJob = 'jupyterlab-hpc:slurm-new-job';
}

/** The New job form: a launcher tile and a command, where Slurm is on. */
export const newJobPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:slurm-new-job',
  description:
    'Writes a Slurm batch script from a form (partition, resources, templates) and submits it.',
  autoStart: true,
  requires: [IHPCClient],
  optional: [
    ITranslator,
    ICommandPalette,
    ILauncher,
    IHPCLauncher,
    ISlurmQueueModel,
    IStateDB,
    IFileBrowserFactory,
    IDefaultFileBrowser
  ],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    hpcLauncher: IHPCLauncher | null,
    queue: ISlurmQueueModel | null,
    state: IStateDB | null,
    browsers: IFileBrowserFactory | null,
    defaultBrowser: IDefaultFileBrowser | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const contents = app.serviceManager.contents;
    const store = new UserTemplates({ state });
    // Hidden until the server says it has Slurm.
    let enabled = false;

    /** The file browser's folder, when it is on the server's own drive. */
    const browserFolder = (): string => {
      const browser = browsers?.tracker.currentWidget ?? defaultBrowser;
      return localFolder(browser?.model.path ?? '');
    };
    /** A folder on the server's own drive as sbatch sees it ('' otherwise). */
    const localFolder = (path: string): string =>
      contents.driveName(path) ? '' : contents.localPath(path);

    app.commands.addCommand(CommandIDs.newJob, {
      // The tile needs no ellipsis: it opens a form, as every tile does.
      label: args =>
        args.launcher ? trans.__('New Slurm Job') : trans.__('New Slurm Job…'),
      caption: trans.__(
        'Write a batch script from a form or a template, and submit it to Slurm'
      ),
      icon: slurmIcon,
      isVisible: () => enabled,
      isEnabled: () => enabled,
      execute: args => {
        // The launcher gives its own folder, the palette none.
        const cwd =
          typeof args.cwd === 'string'
            ? localFolder(args.cwd)
            : browserFolder();
        const model = new NewJobModel({ client, trans, store, cwd });
        const widget = createNewJobTab({
          model,
          trans,
          contents,
          open: path => {
            void app.commands.execute('docmanager:open', { path });
          },
          onSubmitted: () => queue?.refresh()
        });
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
        return widget;
      }
    });

    void client.info().then(
      info => {
        if (!info.features.slurm) {
          return;
        }
        enabled = true;
        app.commands.notifyCommandChanged(CommandIDs.newJob);
        // Through the ordered launcher when there is one, as the Slurm tile.
        (hpcLauncher ?? launcher)?.add({
          command: CommandIDs.newJob,
          args: { launcher: true },
          category: trans.__('HPC Tools'),
          rank: 11
        });
        palette?.addItem({
          command: CommandIDs.newJob,
          category: trans.__('HPC')
        });
      },
      // Without GET info the form stays hidden, as the other Slurm tools.
      () => undefined
    );
  }
};

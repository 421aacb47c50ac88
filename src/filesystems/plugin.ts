import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { IFilesystemEntry } from '../api/types';
import { notifyFailure } from '../notify';
import { FilesystemBrowsers } from './browsers';
import { IFilesystemSettings, entriesToMount, newlyRefused } from './entries';
import { keepDrivesOfKernels } from './sessions';

/** The plugin id, also the Settings Editor's form (schema/filesystems.json). */
const PLUGIN_ID = 'jupyterlab-hpc:filesystems';

/** Mounts the filesystems of the Settings Editor as left-sidebar file browsers. */
export const filesystemsPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Shows HOME, WORK, SCRATCH and the folders listed in the settings as file browsers.',
  autoStart: true,
  requires: [IHPCClient, IFileBrowserFactory, ISettingRegistry],
  optional: [ITranslator],
  activate: async (
    app: JupyterFrontEnd,
    client: IHPCClient,
    factory: IFileBrowserFactory,
    registry: ISettingRegistry,
    translator: ITranslator | null
  ): Promise<void> => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    let defaults: IFilesystemEntry[];
    try {
      defaults = (await client.filesystems()).defaults;
    } catch (reason) {
      // An older server extension, or none: the stock file browser stays.
      console.warn('jupyterlab-hpc: filesystems are unavailable', reason);
      return;
    }
    const browsers = new FilesystemBrowsers({
      contents: app.serviceManager.contents,
      serverSettings: client.serverSettings,
      factory,
      shell: app.shell,
      trans,
      translator: translator ?? nullTranslator,
      commands: app.commands
    });
    keepDrivesOfKernels(
      app.serviceManager.sessions,
      app.shell,
      () => browsers.drives
    );
    const told = new Set<string>();
    // Settings changes mount one at a time, the last one winning.
    let pending = Promise.resolve();
    const mount = (settings: ISettingRegistry.ISettings) => {
      const entries = entriesToMount(
        settings.composite as unknown as IFilesystemSettings,
        defaults
      );
      pending = pending
        .then(async () => {
          const { filesystems: checks } =
            await client.mountFilesystems(entries);
          browsers.update(checks);
          for (const check of newlyRefused(checks, told)) {
            notifyFailure(
              'warning',
              trans.__('Filesystem "%1" is not mounted', String(check.name)),
              check.message ?? '',
              trans
            );
          }
        })
        .catch(reason => {
          Notification.error(
            trans.__('Cannot mount the filesystems: %1', String(reason))
          );
        });
    };
    try {
      const settings = await registry.load(PLUGIN_ID);
      mount(settings);
      settings.changed.connect(mount);
    } catch (reason) {
      console.error(
        `jupyterlab-hpc: cannot load the settings of ${PLUGIN_ID}`,
        reason
      );
    }
  }
};

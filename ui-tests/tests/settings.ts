import { galata } from '@jupyterlab/galata';

/**
 * Galata's settings, with the admin's default filesystems (WORK, SCRATCH) not
 * mounted: Galata's file browser helpers expect the one file browser of a
 * stock JupyterLab.
 */
export const ONE_FILE_BROWSER = {
  ...galata.DEFAULT_SETTINGS,
  'jupyterlab-hpc:filesystems': { showDefaults: false }
};

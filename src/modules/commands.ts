import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';

import { IHPCClient } from '../api/client';
import { IModules } from '../api/types';

/** The command ids of environment modules. */
export namespace CommandIDs {
  /** Look for kernels in environment modules now, and show them in the launcher. */
  export const refreshKernels = 'jupyterlab-hpc:refresh-module-kernels';
}

/** How long the "in progress" toast needs to be drawn before it can be updated. */
const TOAST_DRAWN_MS = 500;

/**
 * Look for kernels in environment modules now, with a notification of the
 * search and its result; then re-read the kernelspecs, so that the launcher
 * shows the kernels found at once instead of at its next poll. Resolves with
 * the server's answer, rejects with its error (after saying it).
 */
export function refreshModuleKernels(
  options: IRefreshOptions
): Promise<IModules> {
  const { client, kernelspecs, trans } = options;
  const search = client.refreshModuleKernels().then(async modules => {
    try {
      await kernelspecs.refreshSpecs();
    } catch (reason) {
      // The server knows them: the launcher's own poll shows them later.
      console.warn('jupyterlab-hpc: cannot re-read the kernelspecs', reason);
    }
    return modules;
  });
  // An update before the toast is drawn is lost; a search may end at once.
  const drawn = new Promise(resolve =>
    setTimeout(resolve, options.toastDrawnMs ?? TOAST_DRAWN_MS)
  );
  // A refusal waits for the toast too; until then, its rejection is handled here.
  search.catch(() => undefined);
  const shown = drawn.then(() => search);
  // The notification's data is JSON; the kernels' count is all it needs.
  Notification.promise(
    shown.then(modules => modules.kernels.length),
    {
      pending: {
        message: trans.__('Looking for kernels in environment modules…'),
        options: { autoClose: false }
      },
      success: {
        message: count =>
          trans._n(
            'Found %1 kernel in modules',
            'Found %1 kernels in modules',
            count as number
          ),
        options: { autoClose: 5000 }
      },
      error: {
        message: reason =>
          trans.__(
            'Kernels could not be looked for in modules: %1',
            reason instanceof Error ? reason.message : String(reason)
          ),
        options: { autoClose: false }
      }
    }
  );
  return shown;
}

/** The options of `refreshModuleKernels`. */
export interface IRefreshOptions {
  /** The API client (`POST modules/kernels/refresh`). */
  client: IHPCClient;
  /** What the launcher lists kernels from (`app.serviceManager.kernelspecs`). */
  kernelspecs: { refreshSpecs(): Promise<void> };
  /** The jupyterlab_hpc translations. */
  trans: TranslationBundle;
  /** How long to let the toast be drawn before updating it (tests: 0). */
  toastDrawnMs?: number;
}

/**
 * Add "Refresh Module Kernels". It is shown and enabled only where the
 * server can use environment modules (`GET info`'s `features.modules`),
 * and tells the menus and palette once that is known.
 */
export function addModuleCommands(
  options: IModuleCommandsOptions
): IDisposable {
  const { commands, client, trans } = options;
  let enabled = false;
  const isEnabled = () => enabled;
  const refresh = commands.addCommand(CommandIDs.refreshKernels, {
    label: trans.__('Refresh Module Kernels'),
    caption: trans.__(
      'Look for kernels in environment modules now, and show the new ones in the launcher'
    ),
    isVisible: isEnabled,
    isEnabled,
    execute: async () => {
      if (!enabled) {
        return null;
      }
      // The notification says how it went; the command's caller needs no error.
      return refreshModuleKernels(options).catch(() => null);
    }
  });

  let disposed = false;
  void client.info().then(
    info => {
      if (!disposed) {
        enabled = !!info.features.modules;
        commands.notifyCommandChanged(CommandIDs.refreshKernels);
      }
    },
    // Without GET info, the command stays hidden.
    () => undefined
  );

  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      if (!disposed) {
        disposed = true;
        refresh.dispose();
      }
    }
  };
}

/** The options of `addModuleCommands`. */
export interface IModuleCommandsOptions extends IRefreshOptions {
  /** The application's commands. */
  commands: CommandRegistry;
}

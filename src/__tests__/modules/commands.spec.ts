import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  ICommandPalette,
  MenuFactory,
  Notification
} from '@jupyterlab/apputils';
import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';
import { nullTranslator } from '@jupyterlab/translation';
import { RankedMenu } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { PromiseDelegate } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';

import { HPCRequestError } from '../../api/client';
import { IModules } from '../../api/types';
import { addModuleCommands, CommandIDs } from '../../modules/commands';
import { modulesPlugin } from '../../modules/plugin';
import * as fakes from '../fakes';
import { waitFor } from '../wait';

import schema from '../../../schema/modules.json';

const trans = nullTranslator.load('jupyterlab_hpc');

/** The notifications shown, oldest first, as [type, message]. */
const shown = () =>
  Notification.manager.notifications
    .slice()
    .reverse()
    .map(n => [n.type, n.message]);

/** `GET info` of a server that can use environment modules, or not. */
function infoWith(modules: boolean) {
  const info = fakes.info();
  return { ...info, features: { ...info.features, modules } };
}

/** The Kernel menu as JupyterLab builds it from every plugin's settings. */
function kernelMenu(commands: CommandRegistry): RankedMenu {
  // JupyterLab's own Kernel menu ends with "Change Kernel…" (rank 3).
  const jupyterlab: ISettingRegistry.IMenu[] = [
    {
      id: 'jp-mainmenu-kernel',
      items: [
        { command: 'kernelmenu:interrupt', rank: 0 },
        { type: 'separator', rank: 3 },
        { command: 'kernelmenu:change', rank: 3 }
      ]
    }
  ];
  const menus = SettingRegistry.reconcileMenus(
    jupyterlab,
    schema['jupyter.lab.menus'].main as ISettingRegistry.IMenu[]
  );
  const [menu] = MenuFactory.createMenus(
    menus,
    options => new RankedMenu({ ...options, commands })
  );
  return menu as RankedMenu;
}

describe('Refresh Module Kernels', () => {
  let commands: CommandRegistry;
  let client: fakes.FakeClient;
  let kernelspecs: { refreshSpecs: jest.Mock<Promise<void>, []> };
  let added: IDisposable | null;

  /** Add the plugin's command, as it does, over the fake client. */
  function addCommands(): void {
    added = addModuleCommands({
      commands,
      client,
      kernelspecs,
      trans,
      toastDrawnMs: 0
    });
  }

  beforeEach(() => {
    Notification.manager.dismiss();
    commands = new CommandRegistry();
    ['kernelmenu:interrupt', 'kernelmenu:change'].forEach(id =>
      commands.addCommand(id, { label: id, execute: () => undefined })
    );
    client = new fakes.FakeClient();
    client.nextInfo = async () => infoWith(true);
    kernelspecs = { refreshSpecs: jest.fn(async () => undefined) };
    added = null;
  });

  afterEach(() => {
    added?.dispose();
  });

  it('keeps its plugin id and sits in the Kernel menu after Change Kernel', async () => {
    expect(modulesPlugin.id).toBe('jupyterlab-hpc:modules');
    addCommands();
    const menu = kernelMenu(commands);

    await waitFor(() => {
      expect(commands.isVisible(CommandIDs.refreshKernels)).toBe(true);
    });
    const items = menu.items.filter(item => item.type === 'command');
    expect(items.map(item => item.command)).toEqual([
      'kernelmenu:interrupt',
      'kernelmenu:change',
      CommandIDs.refreshKernels
    ]);
    const ours = items[2];
    expect(ours.label).toBe('Refresh Module Kernels');
    expect(ours.isVisible).toBe(true);
    expect(ours.isEnabled).toBe(true);
    menu.dispose();
  });

  it('shows nowhere on a server without environment modules', async () => {
    client.nextInfo = async () => infoWith(false);
    const changed: string[] = [];
    commands.commandChanged.connect((_, change) => {
      if (change.id) {
        changed.push(change.id);
      }
    });
    addCommands();
    const menu = kernelMenu(commands);

    // Once GET info has answered
    await waitFor(() => {
      expect(changed).toContain(CommandIDs.refreshKernels);
    });
    expect(commands.isVisible(CommandIDs.refreshKernels)).toBe(false);
    expect(commands.isEnabled(CommandIDs.refreshKernels)).toBe(false);
    const ours = menu.items.find(
      item => item.command === CommandIDs.refreshKernels
    )!;
    expect(ours.isVisible).toBe(false);
    // and running it anyway asks the server nothing
    await commands.execute(CommandIDs.refreshKernels);
    expect(client.moduleCalls).toEqual([]);
    menu.dispose();
  });

  it('says it looks, then how many kernels it found, once the launcher can list them', async () => {
    // Given a search that takes a while on the server
    const answer = new PromiseDelegate<IModules>();
    client.nextRefresh = () => answer.promise;
    addCommands();
    await waitFor(() => {
      expect(commands.isEnabled(CommandIDs.refreshKernels)).toBe(true);
    });

    // When the command runs
    const done = commands.execute(CommandIDs.refreshKernels);

    // Then it says it is looking, while the server searches
    await waitFor(() => {
      expect(shown()).toEqual([
        ['in-progress', 'Looking for kernels in environment modules…']
      ]);
    });
    expect(client.moduleCalls).toEqual(['refresh']);
    expect(kernelspecs.refreshSpecs).not.toHaveBeenCalled();

    // and once the server has found three kernels, the kernelspecs are read
    // again (the launcher shows the new ones) and the count is said
    const modules = fakes.modules();
    modules.kernels.push({
      name: 'module-jax-0.4-python3',
      display_name: 'Python 3 (jax/0.4)',
      module: 'jax/0.4'
    });
    answer.resolve(modules);
    await done;
    expect(kernelspecs.refreshSpecs).toHaveBeenCalledTimes(1);
    await waitFor(() => {
      expect(shown()).toEqual([['success', 'Found 3 kernels in modules']]);
    });
  });

  it("says why the search failed, in the server's words", async () => {
    client.nextRefresh = () =>
      Promise.reject(
        new HPCRequestError({
          status: 503,
          url: 'x',
          message: 'No module command: Lmod is not installed here.'
        })
      );
    addCommands();
    await waitFor(() => {
      expect(commands.isEnabled(CommandIDs.refreshKernels)).toBe(true);
    });

    await commands.execute(CommandIDs.refreshKernels);

    await waitFor(() => {
      expect(shown()).toEqual([
        [
          'error',
          'Kernels could not be looked for in modules: No module command: Lmod is not installed here.'
        ]
      ]);
    });
    expect(kernelspecs.refreshSpecs).not.toHaveBeenCalled();
  });
});

describe('modulesPlugin', () => {
  it('puts the command in the palette and refreshes the kernelspecs the launcher lists', async () => {
    Notification.manager.dismiss();
    const commands = new CommandRegistry();
    const client = new fakes.FakeClient();
    client.nextInfo = async () => infoWith(true);
    const refreshSpecs = jest.fn(async () => undefined);
    const app = {
      commands,
      serviceManager: { kernelspecs: { refreshSpecs } }
    } as unknown as JupyterFrontEnd;
    const palette = { addItem: jest.fn() };

    modulesPlugin.activate(
      app,
      client,
      null,
      palette as unknown as ICommandPalette
    );

    expect(palette.addItem).toHaveBeenCalledWith({
      command: CommandIDs.refreshKernels,
      category: 'HPC'
    });
    await waitFor(() => {
      expect(commands.isEnabled(CommandIDs.refreshKernels)).toBe(true);
    });
    await commands.execute(CommandIDs.refreshKernels);
    expect(client.moduleCalls).toEqual(['refresh']);
    expect(refreshSpecs).toHaveBeenCalledTimes(1);
    await waitFor(() => {
      expect(shown()).toEqual([['success', 'Found 2 kernels in modules']]);
    });
  });
});

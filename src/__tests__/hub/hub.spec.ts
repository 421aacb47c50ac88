import {
  createDefaultFactory,
  Notification,
  ToolbarWidgetRegistry
} from '@jupyterlab/apputils';
import {
  dangerDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testutils';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget, Toolbar } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { HPCRequestError } from '../../api/client';
import { IInfo } from '../../api/types';
import {
  addHubCommands,
  CommandIDs,
  HUB_COMMANDS,
  IHubPageConfig
} from '../../hub/commands';
import { hubPlugin } from '../../hub/plugin';
import * as fakes from '../fakes';
import { flush, rendered, waitFor } from '../wait';

import schema from '../../../schema/hub.json';

const trans = nullTranslator.load('jupyterlab_hpc');

/** The page config of a server spawned by a hub (jupyterhub-singleuser's). */
const HUB_PAGE: IHubPageConfig = {
  hubPrefix: '/hub/',
  hubHost: 'https://hub.example.org'
};

/** `GET info` of a server in Slurm job 4242, under a hub or not. */
function infoOf(options: { hub: boolean; job: boolean }): IInfo {
  return {
    ...fakes.info(),
    hub: options.hub ? fakes.info().hub : null,
    job: options.job
      ? { id: '4242', time_limit_s: 3600, end_time: '2030-01-01T10:00:00Z' }
      : null
  };
}

/** What @jupyterlab/hub-extension registers when the page config names a hub. */
function addJupyterLabHubCommands(commands: CommandRegistry): string[] {
  const ran: string[] = [];
  commands.addCommand(HUB_COMMANDS.controlPanel, {
    label: 'Hub Control Panel',
    caption: 'Open the Hub control panel in a new browser tab',
    execute: () => void ran.push(HUB_COMMANDS.controlPanel)
  });
  commands.addCommand(HUB_COMMANDS.logout, {
    label: 'Log Out',
    caption: 'Log out of the Hub',
    execute: () => void ran.push(HUB_COMMANDS.logout)
  });
  return ran;
}

/**
 * The top bar as JupyterLab builds it from settings: this plugin's
 * `jupyter.lab.toolbars` TopBar items, drawn by JupyterLab's default item
 * factory (a command button per item).
 */
function topBar(commands: CommandRegistry): {
  toolbar: Toolbar;
  item(name: string): Widget;
} {
  const items = schema['jupyter.lab.toolbars'].TopBar;
  const registry = new ToolbarWidgetRegistry({
    defaultFactory: createDefaultFactory(commands)
  });
  const toolbar = new Toolbar();
  const host = new Widget();
  for (const item of items) {
    toolbar.addItem(item.name, registry.createWidget('TopBar', host, item));
  }
  Widget.attach(toolbar, document.body);
  const item = (name: string): Widget => {
    const found = Array.from(toolbar.children()).find(
      child => child.node.dataset.jpItemName === name
    );
    if (!found) {
      throw new Error(`No top-bar item ${name}`);
    }
    return found;
  };
  return { toolbar, item };
}

/** A command's button in a toolbar (a `jp-button` element). */
const BUTTON = '.jp-ToolbarButtonComponent';

/**
 * Whether a top-bar item draws nothing: the item is hidden (Lumino's
 * `lm-mod-hidden`, `display: none`), and so is any button in it.
 */
function isAbsent(widget: Widget): boolean {
  const button = widget.node.querySelector(BUTTON);
  return (
    widget.hasClass('lm-mod-hidden') &&
    (button === null || button.classList.contains('lm-mod-hidden'))
  );
}

/** Draw every item of the top bar now. */
async function drawn(toolbar: Toolbar): Promise<void> {
  for (const child of toolbar.children()) {
    await rendered(child as ReactWidget);
  }
}

/** Notification messages, oldest first. */
const messages = () =>
  Notification.manager.notifications.map(n => n.message).reverse();

describe('hub controls', () => {
  let commands: CommandRegistry;
  let client: fakes.FakeClient;
  let navigated: string[];
  let added: IDisposable | null;
  let toolbar: Toolbar | null;

  /** The plugin's commands, as it adds them, with navigation recorded. */
  function addCommands(page: IHubPageConfig): void {
    added = addHubCommands({
      commands,
      client,
      page,
      trans,
      navigate: url => navigated.push(url)
    });
  }

  beforeEach(() => {
    commands = new CommandRegistry();
    client = new fakes.FakeClient();
    navigated = [];
    added = null;
    toolbar = null;
    Notification.manager.dismiss();
  });

  afterEach(async () => {
    toolbar?.dispose();
    added?.dispose();
    if (document.querySelector('.jp-Dialog')) {
      await dismissDialog();
    }
  });

  it('keeps its plugin id and places the items by settings, by name', () => {
    expect(hubPlugin.id).toBe('jupyterlab-hpc:hub');
    expect(schema['jupyter.lab.toolbars'].TopBar).toEqual([
      {
        name: 'hpc-hub-control-panel',
        command: 'hub:control-panel',
        rank: 900
      },
      {
        name: 'hpc-hub-logout',
        command: 'jupyterlab-hpc:hub-logout',
        rank: 901
      }
    ]);
    // End Session sits in the File menu, where JupyterLab puts its hub items.
    expect(schema['jupyter.lab.menus'].main[0]).toEqual({
      id: 'jp-mainmenu-file',
      items: [{ command: CommandIDs.endSession, rank: 100 }]
    });
  });

  it('shows nothing in the top bar outside a hub', async () => {
    // Given JupyterLab without a hub: JupyterLab registers no hub command
    client.nextInfo = async () => infoOf({ hub: false, job: true });
    addCommands({});
    let item: (name: string) => Widget;
    ({ toolbar, item } = topBar(commands));
    await flush();
    await drawn(toolbar);

    // Then neither item draws a button
    await waitFor(() => {
      expect(isAbsent(item('hpc-hub-control-panel'))).toBe(true);
      expect(isAbsent(item('hpc-hub-logout'))).toBe(true);
    });
    expect(commands.isVisible(CommandIDs.logout)).toBe(false);
  });

  it("shows JupyterLab's control panel and our Log out once the hub commands exist", async () => {
    // Given the top bar drawn before JupyterLab's hub plugin ran
    addCommands(HUB_PAGE);
    let item: (name: string) => Widget;
    ({ toolbar, item } = topBar(commands));
    await drawn(toolbar);
    expect(isAbsent(item('hpc-hub-control-panel'))).toBe(true);

    // When the hub commands come
    const ran = addJupyterLabHubCommands(commands);

    // Then both items draw their button, with their labels
    await waitFor(() => {
      const panel = item('hpc-hub-control-panel');
      expect(panel.hasClass('lm-mod-hidden')).toBe(false);
      expect(panel.node.querySelector(BUTTON)?.textContent).toBe(
        'Hub Control Panel'
      );
      const logout = item('hpc-hub-logout');
      expect(logout.hasClass('lm-mod-hidden')).toBe(false);
      expect(
        logout.node.querySelector(
          `${BUTTON}[data-command="${CommandIDs.logout}"]`
        )?.textContent
      ).toBe('Log out');
    });
    // and the control panel button runs JupyterLab's command
    item('hpc-hub-control-panel')
      .node.querySelector<HTMLElement>(BUTTON)!
      .click();
    await waitFor(() => expect(ran).toEqual([HUB_COMMANDS.controlPanel]));
  });

  it('asks before logging out, and only then runs hub:logout', async () => {
    // Given JupyterLab under a hub
    const ran = addJupyterLabHubCommands(commands);
    addCommands(HUB_PAGE);
    let item: (name: string) => Widget;
    ({ toolbar, item } = topBar(commands));
    const button = () =>
      item('hpc-hub-logout').node.querySelector<HTMLElement>(BUTTON);
    await waitFor(() => expect(button()).not.toBeNull());

    // When the user clicks Log out, a confirmation says what stops
    button()!.click();
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(dialog.textContent).toContain(
      'Logging out stops your running Jupyter servers, and the Slurm jobs they run in. Work that is not saved is lost.'
    );
    // and cancelling does not log out
    await dismissDialog();
    await flush();
    expect(ran).toEqual([]);

    // while confirming runs JupyterLab's log-out
    button()!.click();
    await waitForDialog();
    expect(document.querySelector('.jp-Dialog .jp-mod-warn')?.textContent).toBe(
      'Log out'
    );
    await dangerDialog();
    await waitFor(() => expect(ran).toEqual([HUB_COMMANDS.logout]));
  });

  it('offers End Session only under a hub, in a Slurm job', async () => {
    const visible = async (
      page: IHubPageConfig,
      info: { hub: boolean; job: boolean }
    ): Promise<boolean> => {
      client.nextInfo = async () => infoOf(info);
      commands = new CommandRegistry();
      addCommands(page);
      await flush();
      const shown = commands.isVisible(CommandIDs.endSession);
      expect(commands.isEnabled(CommandIDs.endSession)).toBe(shown);
      added!.dispose();
      return shown;
    };

    expect(await visible({}, { hub: false, job: true })).toBe(false);
    expect(await visible(HUB_PAGE, { hub: true, job: false })).toBe(false);
    expect(await visible(HUB_PAGE, { hub: false, job: true })).toBe(true);
    expect(await visible({}, { hub: true, job: true })).toBe(true);
  });

  it('ends the session after a confirmation, then goes to the hub home', async () => {
    // Given JupyterLab spawned by a hub in Slurm job 4242
    client.nextInfo = async () => infoOf({ hub: true, job: true });
    addCommands(HUB_PAGE);
    await waitFor(() => commands.isVisible(CommandIDs.endSession));
    expect(commands.label(CommandIDs.endSession)).toBe('End Session');
    expect(commands.caption(CommandIDs.endSession)).toMatch(/allocation/);

    // When the user ends the session, a confirmation names the job
    let done = commands.execute(CommandIDs.endSession);
    await waitForDialog();
    expect(document.querySelector('.jp-Dialog')!.textContent).toContain(
      'JupyterLab stops, its Slurm job 4242 ends and the allocation is released. Work that is not saved is lost.'
    );
    // and cancelling asks nothing of the server
    await dismissDialog();
    await expect(done).resolves.toBe(false);
    expect(client.endCalls).toBe(0);
    expect(navigated).toEqual([]);

    // while confirming POSTs, and takes this window to the hub's home
    done = commands.execute(CommandIDs.endSession);
    await waitForDialog();
    expect(document.querySelector('.jp-Dialog .jp-mod-warn')?.textContent).toBe(
      'End Session'
    );
    await dangerDialog();
    await expect(done).resolves.toBe(true);
    expect(client.endCalls).toBe(1);
    expect(navigated).toEqual(['https://hub.example.org/hub/home']);
    expect(messages()).toEqual([
      'The hub is stopping your server; its Slurm job ends with it.'
    ]);
  });

  it('says why the session could not end, and stays', async () => {
    client.nextInfo = async () => infoOf({ hub: true, job: true });
    client.nextEnd = async () => {
      throw new HPCRequestError({
        status: 502,
        url: '/jupyterlab-hpc/session/end',
        message: 'The hub refused to stop the server: 403 Forbidden'
      });
    };
    addCommands(HUB_PAGE);
    await waitFor(() => commands.isVisible(CommandIDs.endSession));

    const done = commands.execute(CommandIDs.endSession);
    await waitForDialog();
    await dangerDialog();

    await expect(done).resolves.toBe(false);
    expect(client.endCalls).toBe(1);
    expect(navigated).toEqual([]);
    expect(messages()).toEqual([
      'The session could not be ended: The hub refused to stop the server: 403 Forbidden'
    ]);
    const [shown] = Notification.manager.notifications;
    expect(shown.type).toBe('error');
  });
});

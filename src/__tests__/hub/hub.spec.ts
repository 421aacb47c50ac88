import { nullTranslator } from '@jupyterlab/translation';
import {
  dangerDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testutils';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { HubLinks, hubLinks } from '../../hub/links';
import { HubAction, HubButton, HUB_COMMANDS } from '../../hub/widget';
import * as fakes from '../fakes';

const trans = nullTranslator.load('jupyterlab_hpc');
const LINKS: HubLinks = fakes.info().hub!;

/** A hub button, with what it opened and where it navigated. */
async function button(
  action: HubAction,
  links: HubLinks | null,
  commands = new CommandRegistry()
): Promise<{ widget: HubButton; opened: string[]; navigated: string[] }> {
  const opened: string[] = [];
  const navigated: string[] = [];
  const found = Promise.resolve(links);
  const widget = new HubButton({
    action,
    links: found,
    commands,
    trans,
    open: url => opened.push(url),
    navigate: url => navigated.push(url)
  });
  Widget.attach(widget, document.body);
  await found;
  return { widget, opened, navigated };
}

describe('hubLinks', () => {
  it('prefers the page config, then the server, else none', () => {
    expect(hubLinks({ hubPrefix: '/jupyter/hub/' }, null)).toEqual({
      control_panel_url: '/jupyter/hub/home',
      logout_url: '/jupyter/hub/logout'
    });
    expect(
      hubLinks({ hubPrefix: '/hub/', hubHost: 'https://hub.example.org' }, null)
        ?.control_panel_url
    ).toBe('https://hub.example.org/hub/home');
    expect(hubLinks({}, LINKS)).toEqual(LINKS);
    expect(hubLinks({ hubPrefix: '' }, null)).toBeNull();
  });
});

describe('HubButton', () => {
  let widget: HubButton | null = null;

  afterEach(async () => {
    widget?.dispose();
    widget = null;
    if (document.querySelector('.jp-Dialog')) {
      await dismissDialog();
    }
  });

  it('shows both buttons under a hub, with their labels', async () => {
    const panel = await button('control-panel', LINKS);
    const logout = await button('logout', LINKS);
    expect(panel.widget.isHidden).toBe(false);
    expect(panel.widget.node.textContent).toBe('Hub Control Panel');
    expect(logout.widget.isHidden).toBe(false);
    expect(logout.widget.node.textContent).toBe('Log out');
    panel.widget.dispose();
    widget = logout.widget;
  });

  it('is absent outside a hub', async () => {
    const shown = await button('logout', null);
    widget = shown.widget;
    expect(widget.isHidden).toBe(true);
    await widget.activate();
    expect(shown.navigated).toEqual([]);
  });

  it("opens the control panel with JupyterLab's command when it exists", async () => {
    const commands = new CommandRegistry();
    const executed: string[] = [];
    commands.addCommand(HUB_COMMANDS.controlPanel, {
      execute: () => void executed.push('control-panel')
    });
    const shown = await button('control-panel', LINKS, commands);
    widget = shown.widget;
    (widget.node as HTMLButtonElement).click();
    await Promise.resolve();
    expect(executed).toEqual(['control-panel']);
    expect(shown.opened).toEqual([]);
  });

  it("falls back to the server's URL without the hub commands", async () => {
    const shown = await button('control-panel', LINKS);
    widget = shown.widget;
    await widget.activate();
    expect(shown.opened).toEqual(['/hub/home']);
  });

  it('asks before logging out, saying that servers and Slurm jobs stop', async () => {
    // given the log-out button under a hub
    const shown = await button('logout', LINKS);
    widget = shown.widget;
    // when the user clicks it, a confirmation explains the consequences
    const done = widget.activate();
    await waitForDialog();
    const dialog = document.querySelector<HTMLElement>('.jp-Dialog')!;
    expect(dialog.textContent).toMatch(/stops your running Jupyter servers/);
    expect(dialog.textContent).toMatch(/Slurm jobs/);
    // and cancelling stays on the page
    await dismissDialog();
    await done;
    expect(shown.navigated).toEqual([]);
    // while confirming leaves for the hub's log-out page
    const again = widget.activate();
    await waitForDialog();
    await dangerDialog();
    await again;
    expect(shown.navigated).toEqual(['/hub/logout']);
  });

  it("logs out with JupyterLab's command when it exists", async () => {
    const commands = new CommandRegistry();
    const executed: string[] = [];
    commands.addCommand(HUB_COMMANDS.logout, {
      execute: () => void executed.push('logout')
    });
    const shown = await button('logout', LINKS, commands);
    widget = shown.widget;
    const done = widget.activate();
    await waitForDialog();
    await dangerDialog();
    await done;
    expect(executed).toEqual(['logout']);
    expect(shown.navigated).toEqual([]);
  });
});

import { JupyterFrontEnd } from '@jupyterlab/application';
import { ILauncher, Launcher, LauncherModel } from '@jupyterlab/launcher';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { IAppCategory } from '../../api/types';
import { HPCLauncher } from '../../launcher/launcher';
import { CommandIDs, launcherPlugin } from '../../launcher/plugin';
import { categoryRanks, DEFAULT_CATEGORIES } from '../../launcher/ranks';
import { sanitizeSvg, tileIcon } from '../../launcher/icons';
import * as fakes from '../fakes';
import {} from '../slurm/utils';
import { waitFor } from '../wait';

/** A launcher widget over a model, with one command per tile. */
function drawLauncher(model: LauncherModel, commands: CommandRegistry) {
  const launcher = new Launcher({
    model,
    cwd: '',
    callback: () => undefined,
    commands,
    translator: nullTranslator
  });
  Widget.attach(launcher, document.body);
  return launcher;
}

/** The section titles of a launcher, top to bottom. */
function sections(launcher: Widget): string[] {
  return Array.from(
    launcher.node.querySelectorAll('.jp-Launcher-sectionTitle')
  ).map(node => node.textContent ?? '');
}

describe('categoryRanks', () => {
  it('places the server categories between JupyterLab’s own ranks', () => {
    const ranks = categoryRanks(DEFAULT_CATEGORIES);

    expect(ranks.get('Notebook')).toBe(0);
    expect(ranks.get('Console')).toBe(20);
    expect(ranks.get('Other')).toBe(100);
    const ours = ['Applications', 'Dashboards', 'HPC Tools', 'Documentation'];
    const values = ours.map(name => ranks.get(name)!);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(Math.min(...values)).toBeGreaterThan(20);
    expect(Math.max(...values)).toBeLessThan(100);
  });

  it('follows an admin order that puts a category before Console or after Other', () => {
    const categories: IAppCategory[] = [
      { name: 'Other', rank: 9 },
      { name: 'Console', rank: 2 },
      { name: 'Notebook', rank: 0 },
      { name: 'Dashboards', rank: 1 },
      { name: 'Archive', rank: 10 }
    ];

    const ranks = categoryRanks(categories);

    expect(ranks.get('Dashboards')).toBeGreaterThan(0);
    expect(ranks.get('Dashboards')).toBeLessThan(20);
    expect(ranks.get('Archive')).toBeGreaterThan(100);
  });
});

describe('HPCLauncher', () => {
  it('draws the categories in the server order, the Slurm tile among them', async () => {
    // Given JupyterLab's own tiles, which carry no categoryRank
    const commands = new CommandRegistry();
    ['notebook', 'console', 'terminal', 'app', 'dash', 'slurm', 'doc'].forEach(
      id => commands.addCommand(id, { label: id, execute: () => undefined })
    );
    const model = new LauncherModel();
    model.add({ command: 'terminal', category: 'Other' });
    model.add({ command: 'console', category: 'Console' });
    model.add({ command: 'notebook', category: 'Notebook' });
    const client = new fakes.FakeClient();
    const launcher = new HPCLauncher({ client, launcher: model });

    // When tiles are added in any order, the Slurm one last
    launcher.add({ command: 'doc', category: 'Documentation' });
    launcher.add({ command: 'dash', category: 'Dashboards' });
    launcher.add({ command: 'app', category: 'Applications' });
    launcher.add({ command: 'slurm', category: 'HPC Tools' });
    await launcher.catalogue;
    await waitFor(() => {
      expect(Array.from(model.items())).toHaveLength(7);
    });
    const widget = drawLauncher(model, commands);

    // Then the launcher shows the categories in the documented order
    await waitFor(() => {
      expect(sections(widget)).toEqual([
        'Notebook',
        'Console',
        'Applications',
        'Dashboards',
        'HPC Tools',
        'Documentation',
        'Other'
      ]);
    });
    widget.dispose();
  });

  it('keeps the default order when the server cannot say its own', async () => {
    const client = new fakes.FakeClient();
    client.nextApps = () => Promise.reject(new Error('404 Not Found'));
    const model = { add: jest.fn() };
    const launcher = new HPCLauncher({
      client,
      launcher: model as unknown as ILauncher
    });
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);

    launcher.add({ command: 'slurm', category: 'HPC Tools' });
    await expect(launcher.catalogue).resolves.toBeNull();
    await waitFor(() => {
      expect(model.add).toHaveBeenCalledWith({
        command: 'slurm',
        category: 'HPC Tools',
        categoryRank: categoryRanks(DEFAULT_CATEGORIES).get('HPC Tools')
      });
    });
  });

  it('adds nothing for a tile removed before the order was known', async () => {
    const model = { add: jest.fn() };
    const launcher = new HPCLauncher({
      client: new fakes.FakeClient(),
      launcher: model as unknown as ILauncher
    });

    launcher.add({ command: 'x', category: 'Applications' }).dispose();
    await launcher.catalogue;
    await waitFor(() => {
      expect(model.add).not.toHaveBeenCalled();
    });
  });
});

describe('launcherPlugin', () => {
  it('adds the documentation links, which open in a new tab without opener', async () => {
    const commands = new CommandRegistry();
    const model = { add: jest.fn() };
    const open = jest.spyOn(window, 'open').mockReturnValue(null);
    const app = { commands } as unknown as JupyterFrontEnd;

    launcherPlugin.activate(
      app,
      new fakes.FakeClient(),
      model as unknown as ILauncher,
      null,
      null
    );
    await waitFor(() => {
      expect(model.add).toHaveBeenCalled();
    });

    const [item] = model.add.mock.calls[0];
    expect(item).toMatchObject({
      command: CommandIDs.openDocumentation,
      category: 'Documentation',
      args: {
        title: 'Jean Zay user documentation',
        url: 'https://www.idris.fr/eng/jean-zay/'
      }
    });
    expect(commands.label(item.command, item.args)).toBe(
      'Jean Zay user documentation'
    );
    await commands.execute(item.command, item.args);
    expect(open).toHaveBeenCalledWith(
      'https://www.idris.fr/eng/jean-zay/',
      '_blank',
      'noopener'
    );
    await commands.execute(item.command, { url: 'javascript:alert(1)' });
    expect(open).toHaveBeenCalledTimes(1);
    open.mockRestore();
  });
});

describe('tile icons', () => {
  it('become the server’s SVG, without what could run script', async () => {
    const client = new fakes.FakeClient();
    client.nextIcon = async () =>
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><circle r="4"/></svg>';

    const icon = tileIcon(
      client,
      'app-test',
      '/jupyterlab-hpc/apps/icons/t.svg'
    );
    await waitFor(() => {
      expect(icon.svgstr).toContain('<circle r="4"');
      expect(icon.svgstr).not.toMatch(/onload|script/);
    });
  });

  it('embed an icon the client may not read as an image', async () => {
    const client = new fakes.FakeClient();
    client.nextIcon = () => Promise.reject(new Error('not under the base URL'));

    const icon = tileIcon(
      client,
      'app-remote',
      'https://cdn.example.org/a.svg'
    );
    await waitFor(() => {
      expect(icon.svgstr).toContain('href="https://cdn.example.org/a.svg"');
    });
  });

  it('refuse text that is not SVG', () => {
    expect(sanitizeSvg('<html><body>Not found</body></html>')).toBeNull();
    expect(sanitizeSvg('not xml at all')).toBeNull();
  });
});

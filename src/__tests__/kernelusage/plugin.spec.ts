import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  IRunningSessions,
  RunningSessionManagers,
  RunningSessions
} from '@jupyterlab/running';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { kernelUsagePlugin } from '../../kernelusage/plugin';
import { MetricsModel } from '../../metrics/model';
import { waitFor } from '../wait';
import {
  FakeServices,
  GIB,
  metricsModel,
  MIB,
  poll,
  snapshot,
  usage
} from './utils';

describe('kernelUsagePlugin', () => {
  let services: FakeServices;
  let metrics: MetricsModel;
  let managers: RunningSessionManagers;
  let commands: CommandRegistry;
  let opened: [string, string][];

  beforeEach(async () => {
    services = new FakeServices();
    services.addNotebook('nb', 'work/big.ipynb');
    services.addNotebook('con', 'Console 1', 'console');
    metrics = metricsModel(() =>
      snapshot([usage('con', 100 * MIB), usage('nb', 3 * GIB)])
    );
    managers = new RunningSessionManagers();
    commands = new CommandRegistry();
    opened = [];
    for (const id of ['docmanager:open', 'console:open']) {
      commands.addCommand(id, {
        execute: args => {
          opened.push([id, args.path as string]);
        }
      });
    }
    const app = {
      commands,
      serviceManager: {
        sessions: services.sessionManager,
        kernels: services.kernelManager,
        kernelspecs: services.specs
      }
    } as unknown as JupyterFrontEnd;
    kernelUsagePlugin.activate(app, metrics, managers, null);
    await poll(metrics);
  });

  afterEach(() => metrics.dispose());

  /** The section the plugin added. */
  const section = (): IRunningSessions.IManager =>
    managers.items().find(manager => manager.name === 'Kernel Usage')!;

  it("adds a Kernel Usage section to the Running panel, drawn by JupyterLab's own panel", async () => {
    const panel = new RunningSessions(managers);
    Widget.attach(panel, document.body);
    try {
      await waitFor(() => {
        const items = Array.from(
          panel.node.querySelectorAll<HTMLElement>('.jp-hpc-KernelUsage')
        );
        expect(
          items.map(item => [
            item.querySelector('.jp-RunningSessions-itemLabel')!.textContent,
            item.querySelector('.jp-RunningSessions-itemDetail')!.textContent
          ])
        ).toEqual([
          ['big.ipynb', '3.0 GB (60 %) · 0.5 cores'],
          ['Console 1', '100 MB (2 %) · 0.5 cores']
        ]);
        expect(items[0].classList).toContain('jp-mod-warn');
        expect(items[1].classList).not.toContain('jp-mod-warn');
      });
    } finally {
      panel.dispose();
    }
  });

  it('opens a notebook as a document, a console as a console', async () => {
    const [notebook, console] = section().running({ mode: 'list' });

    notebook.open!();
    console.open!();

    await waitFor(() => {
      expect(opened).toEqual([
        ['docmanager:open', 'work/big.ipynb'],
        ['console:open', 'Console 1']
      ]);
    });
  });

  it('adds nothing without a Running panel', () => {
    const app = {} as JupyterFrontEnd;
    expect(() =>
      kernelUsagePlugin.activate(app, metrics, null, null)
    ).not.toThrow();
  });
});

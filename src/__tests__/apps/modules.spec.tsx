import { Dialog, Notification } from '@jupyterlab/apputils';
import { StateDB } from '@jupyterlab/statedb';
import { waitForDialog } from '@jupyterlab/testutils';

import { HPCRequestError } from '../../api/client';
import { IAppModule, IAppSpec } from '../../api/types';
import { showLaunchDialog } from '../../apps/dialogs';
import { AppLaunches } from '../../apps/launch';
import { LaunchMemory } from '../../apps/memory';
import { chosenModules } from '../../apps/modulefields';
import { RunningAppsModel } from '../../apps/model';
import { RunningAppsManager } from '../../apps/running';
import { appIcon } from '../../launcher/icons';
import * as fakes from '../fakes';
import {
  fakeWindowOpen,
  find,
  instance,
  opener,
  runningModel,
  tensorboard,
  trans
} from './utils';
import { waitFor } from '../wait';

/** TensorBoard as the test server configures it: from its module, two versions existing. */
function tensorboardFromModule(
  versions = ['tensorboard/2.17', 'tensorboard/2.18']
): IAppSpec {
  const modules: IAppModule[] = [{ module: 'tensorboard/2.18', versions }];
  return { ...tensorboard(), modules };
}

/** The open dialog; the test fails without one. */
const dialog = () => document.querySelector<HTMLElement>('.jp-Dialog')!;

/** The module selects of the open dialog. */
const selects = () =>
  Array.from(
    dialog().querySelectorAll<HTMLSelectElement>(
      '.jp-hpc-LaunchDialog-modules select'
    )
  );

/** What each module select of the open dialog shows: its label, options and value. */
const moduleFields = () =>
  selects().map(select => ({
    label: Array.from(select.labels ?? [])
      .map(label => label.textContent)
      .join(' '),
    options: Array.from(select.options).map(option => option.textContent),
    value: select.value
  }));

/** Choose an option of a React-controlled select, as the user does. */
function choose(select: HTMLSelectElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(
    HTMLSelectElement.prototype,
    'value'
  )!.set!;
  setter.call(select, value);
  select.dispatchEvent(new Event('change', { bubbles: true }));
}

/** The endpoint radio of the open dialog. */
const endpoint = (n: number) =>
  dialog().querySelector<HTMLInputElement>(`[data-endpoint="${n}"] input`)!;

/** Click the dialog's Launch button; the test then waits for what it checks. */
function clickLaunch(): void {
  dialog().querySelector<HTMLButtonElement>('.jp-mod-accept')!.click();
}

/** Resolve once the module select shows `value`, as React drew it. */
const moduleShown = (value: string) =>
  waitFor(() => {
    expect(selects().map(select => select.value)).toEqual([value]);
  });

describe('the modules of the launch dialog', () => {
  let client: fakes.FakeClient;
  let model: RunningAppsModel;
  let memory: LaunchMemory;
  let state: StateDB;
  let launches: AppLaunches;

  /** Open the dialog of an app and wait until it is drawn; `done` resolves when it closes. */
  async function open(app: IAppSpec): Promise<{ done: Promise<void> }> {
    const done = showLaunchDialog({ app, model, memory, launches, trans });
    await waitForDialog();
    await Dialog.tracker.currentWidget!.ready;
    await waitFor(() => {
      expect(find(dialog(), 'jp-hpc-LaunchDialog-args')).toBeTruthy();
      expect(model.shownRequest).toBeGreaterThan(0);
    });
    return { done };
  }

  beforeEach(() => {
    Notification.manager.dismiss();
    fakeWindowOpen();
    client = new fakes.FakeClient();
    client.nextRunning = async () => ({ instances: [] });
    client.nextLaunch = async (name, endpoint, request) =>
      instance('running', { endpoint, modules: request.modules ?? [] });
    model = runningModel(client);
    state = new StateDB();
    memory = new LaunchMemory({ state });
    launches = new AppLaunches({
      client,
      model,
      opener: opener().opener,
      trans,
      showLog: jest.fn(),
      showFailure: jest.fn(),
      toastDrawnMs: 0
    });
  });

  afterEach(() => {
    document
      .querySelectorAll<HTMLButtonElement>('.jp-Dialog .jp-mod-reject')
      .forEach(button => button.click());
    model.dispose();
    jest.restoreAllMocks();
  });

  it("offers each module's versions, the configured one first chosen, and launches the one picked", async () => {
    const { done } = await open(tensorboardFromModule());

    // One labelled select for the module, listing both versions
    expect(
      find(dialog(), 'jp-hpc-LaunchDialog-modules').querySelector('legend')!
        .textContent
    ).toBe('Modules');
    expect(moduleFields()).toEqual([
      {
        label: 'tensorboard',
        options: ['tensorboard/2.17', 'tensorboard/2.18 (default)'],
        value: 'tensorboard/2.18'
      }
    ]);

    choose(selects()[0], 'tensorboard/2.17');
    await moduleShown('tensorboard/2.17');
    clickLaunch();
    await done;

    expect(client.launched).toEqual([
      { args: '', env: {}, modules: ['tensorboard/2.17'] }
    ]);
  });

  it('sends the configured version when the user changes nothing', async () => {
    const { done } = await open(tensorboardFromModule());

    clickLaunch();
    await done;

    expect(client.launched.map(request => request.modules)).toEqual([
      ['tensorboard/2.18']
    ]);
  });

  it('shows no Modules section, and sends none, for an app without modules', async () => {
    const { done } = await open({ ...tensorboard(), modules: [] });

    expect(dialog().querySelector('.jp-hpc-LaunchDialog-modules')).toBeNull();
    clickLaunch();
    await done;

    expect(client.launched).toEqual([{ args: '', env: {} }]);
  });

  it('remembers the version of each endpoint, after a reload too', async () => {
    // Given 2.17 launched on endpoint 0, and the default on endpoint 1
    let { done } = await open(tensorboardFromModule());
    choose(selects()[0], 'tensorboard/2.17');
    await moduleShown('tensorboard/2.17');
    clickLaunch();
    await done;
    ({ done } = await open(tensorboardFromModule()));
    expect(selects()[0].value).toBe('tensorboard/2.17');
    endpoint(1).click();
    await moduleShown('tensorboard/2.18');
    clickLaunch();
    await done;

    // When the dialog opens after a reload (a new memory, same database)
    memory = new LaunchMemory({ state });
    ({ done } = await open(tensorboardFromModule()));

    // Then each endpoint shows its own version
    await moduleShown('tensorboard/2.18');
    endpoint(0).click();
    await moduleShown('tensorboard/2.17');
    clickLaunch();
    await done;
    expect(client.launched.map(request => request.modules)).toEqual([
      ['tensorboard/2.17'],
      ['tensorboard/2.18'],
      ['tensorboard/2.17']
    ]);
  });

  it('falls back to the configured version when the remembered one is gone', async () => {
    // Given 2.17 launched and remembered
    let { done } = await open(tensorboardFromModule());
    choose(selects()[0], 'tensorboard/2.17');
    await moduleShown('tensorboard/2.17');
    clickLaunch();
    await done;

    // When the admins removed 2.17 from the tree
    ({ done } = await open(tensorboardFromModule(['tensorboard/2.18'])));

    // Then the dialog offers and sends the configured one
    expect(moduleFields()).toEqual([
      {
        label: 'tensorboard',
        options: ['tensorboard/2.18 (default)'],
        value: 'tensorboard/2.18'
      }
    ]);
    clickLaunch();
    await done;
    expect(client.launched.map(request => request.modules)).toEqual([
      ['tensorboard/2.17'],
      ['tensorboard/2.18']
    ]);
  });

  it('shows the versions a running endpoint was started with', async () => {
    client.nextRunning = async () => ({
      instances: [
        instance('running', { endpoint: 0, modules: ['tensorboard/2.17'] })
      ]
    });

    const { done } = await open(tensorboardFromModule());
    // Once the form knows endpoint 0 runs: it chose the first free one
    await waitFor(() => {
      expect(endpoint(1).checked).toBe(true);
    });
    endpoint(0).click();

    await moduleShown('tensorboard/2.17');
    expect(find(dialog(), 'jp-hpc-LaunchDialog-status').textContent).toContain(
      'running with: --logdir runs, in the modules tensorboard/2.17.'
    );
    dialog().querySelector<HTMLButtonElement>('.jp-mod-reject')!.click();
    await done;
  });

  it("stays open with the module tool's message when the load fails", async () => {
    const message =
      'Lmod has detected the following error: The following module(s) are unknown: "tensorboard/2.17"';
    client.nextLaunch = async () => {
      throw new HPCRequestError({ status: 422, message, url: 'x' });
    };
    const { done } = await open(tensorboardFromModule());
    choose(selects()[0], 'tensorboard/2.17');
    await moduleShown('tensorboard/2.17');

    clickLaunch();

    await waitFor(() => {
      expect(find(dialog(), 'jp-hpc-LaunchDialog-error').textContent).toBe(
        message
      );
    });
    // The choice stays, to be changed
    expect(selects()[0].value).toBe('tensorboard/2.17');
    choose(selects()[0], 'tensorboard/2.18');
    await moduleShown('tensorboard/2.18');
    client.nextLaunch = async (name, endpoint) =>
      instance('running', { endpoint });
    clickLaunch();
    await done;
    expect(client.launched.map(request => request.modules)).toEqual([
      ['tensorboard/2.17'],
      ['tensorboard/2.18']
    ]);
  });
});

describe('chosenModules', () => {
  const slots: IAppModule[] = [
    { module: 'python/3.11', versions: ['python/3.10', 'python/3.11'] },
    {
      module: 'tensorboard/2.18',
      versions: ['tensorboard/2.17', 'tensorboard/2.18']
    }
  ];

  it('applies each remembered version to its own module, whatever the order', () => {
    expect(chosenModules(slots, ['tensorboard/2.17', 'python/3.10'])).toEqual([
      'python/3.10',
      'tensorboard/2.17'
    ]);
    expect(chosenModules(slots, [])).toEqual([
      'python/3.11',
      'tensorboard/2.18'
    ]);
    expect(chosenModules(slots, ['python/2.7'])).toEqual([
      'python/3.11',
      'tensorboard/2.18'
    ]);
  });
});

describe('the Running panel and modules', () => {
  it('shows the modules an instance was started with, small, beside its state', async () => {
    const client = new fakes.FakeClient();
    client.nextRunning = async () => ({
      instances: [
        instance('running', { modules: ['tensorboard/2.17'] }),
        instance('running', { endpoint: 1, modules: [] })
      ]
    });
    const model = runningModel(client);
    const manager = new RunningAppsManager({
      model,
      client,
      trans,
      icon: () => appIcon,
      open: jest.fn(),
      showLog: jest.fn()
    });
    await model.refresh();
    await waitFor(() => {
      expect(manager.running({ mode: 'list' })).toHaveLength(2);
    });

    const [fromModule, plain] = manager.running({ mode: 'list' });

    expect(fromModule.detail!()).toBe('running · tensorboard/2.17');
    expect(fromModule.labelTitle!()).toContain('Modules: tensorboard/2.17');
    expect(plain.detail!()).toBe('running');
    expect(plain.labelTitle!()).not.toContain('Modules');
    model.dispose();
  });
});

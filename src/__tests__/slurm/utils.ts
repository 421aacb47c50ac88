/** Helpers of the Slurm panel tests. */
import { nullTranslator } from '@jupyterlab/translation';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { ISlurmJob } from '../../api/types';
import { SlurmActions } from '../../slurm/actions';
import { SlurmHistoryModel } from '../../slurm/history';
import { acquireWhileVisible, SlurmQueueModel } from '../../slurm/model';
import { SlurmPanel } from '../../slurm/panel';
import { ISlurmSession } from '../../slurm/session';
import * as fakes from '../fakes';
import { waitFor } from '../wait';

/** The extension's translation bundle, untranslated. */
export const trans = nullTranslator.load('jupyterlab_hpc');

/** A panel over a fake client, attached and showing its first answer. */
export async function openPanel(
  client: fakes.FakeClient,
  confirm: SlurmActions.Confirm = async () => true,
  session: ISlurmSession | null = null,
  confirmRequeue: SlurmActions.ConfirmRequeue = async () => true
): Promise<{
  panel: SlurmPanel;
  model: SlurmQueueModel;
  showDetails: jest.Mock<Promise<void>, [ISlurmJob]>;
}> {
  const model = new SlurmQueueModel({ client, standby: 'never', auto: false });
  const history = new SlurmHistoryModel({ client });
  const showDetails = jest.fn<Promise<void>, [ISlurmJob]>(
    async () => undefined
  );
  const actions = new SlurmActions({
    client,
    model,
    trans,
    confirm,
    confirmRequeue,
    showDetails,
    session
  });
  const panel = new SlurmPanel({ model, history, actions, session, trans });
  Widget.attach(panel, document.body);
  // As the plugin does: the visible panel holds the model (everyone's jobs too).
  acquireWhileVisible(model, panel);
  await model.refresh();
  // drawn once it shows jobs, says there are none, or shows the error
  await waitFor(() =>
    panel.node.querySelector(
      '.jp-hpc-SlurmJob, .jp-hpc-SlurmPanel-empty, .jp-hpc-SlurmPanel-error'
    )
      ? true
      : false
  );
  return { panel, model, showDetails };
}

/** The rows of the queue table. */
export function rows(panel: Widget): HTMLElement[] {
  return Array.from(
    panel.node.querySelectorAll<HTMLElement>('.jp-hpc-SlurmJob')
  );
}

/** The job ids of the rows, in order. */
export function ids(panel: Widget): string[] {
  return rows(panel).map(row => row.dataset.jobId ?? '');
}

/** The element of class `name` under `node`; the test fails without one. */
export function find<T extends HTMLElement = HTMLElement>(
  node: HTMLElement,
  name: string
): T {
  const element = node.querySelector<T>(`.${name}`);
  if (!element) {
    throw new Error(`No .${name} in ${node.outerHTML.slice(0, 200)}`);
  }
  return element;
}

/** Type into a React-controlled input. */
export function type(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(
    HTMLInputElement.prototype,
    'value'
  )!.set!;
  setter.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

/** Tick the checkbox of a job's row. */
export function select(panel: Widget, id: string): void {
  const row = rows(panel).find(row => row.dataset.jobId === id);
  if (!row) {
    throw new Error(`No row for job ${id}`);
  }
  row.querySelector<HTMLInputElement>('input[type="checkbox"]')!.click();
}

/** A deep copy of JSON data. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** Click the button of class `name` once it is enabled (a selection enables it). */
export async function clickEnabled(panel: Widget, name: string): Promise<void> {
  await waitFor(() => !find<HTMLButtonElement>(panel.node, name).disabled);
  find<HTMLButtonElement>(panel.node, name).click();
}

/**
 * Choose an item of the open Lumino menu by its label, the keyboard way:
 * arrow down until it is the active one, then Enter.
 */
export async function chooseMenuItem(label: string): Promise<void> {
  await waitFor(() => document.querySelector('.lm-Menu') !== null);
  const menu = document.querySelector<HTMLElement>('.lm-Menu')!;
  const items = Array.from(
    menu.querySelectorAll<HTMLElement>(
      '.lm-Menu-item:not([data-type="separator"])'
    )
  );
  const labels = items.map(
    item => item.querySelector('.lm-Menu-itemLabel')?.textContent ?? ''
  );
  if (!labels.includes(label)) {
    throw new Error(`No menu item ${label} in ${labels.join(', ')}`);
  }
  const key = (keyCode: number) =>
    menu.dispatchEvent(
      new KeyboardEvent('keydown', { keyCode, bubbles: true, cancelable: true })
    );
  for (let i = 0; i < items.length; i++) {
    key(40); // ArrowDown: skips the disabled items
    MessageLoop.flush(); // the menu draws its active item
    const active = menu.querySelector('.lm-Menu-item.lm-mod-active');
    if (active?.querySelector('.lm-Menu-itemLabel')?.textContent === label) {
      key(13); // Enter
      return;
    }
  }
  throw new Error(`Menu item ${label} is not enabled`);
}

/** The labels of the open Lumino menu's enabled items. */
export function enabledMenuItems(): string[] {
  return Array.from(
    document.querySelectorAll<HTMLElement>(
      '.lm-Menu .lm-Menu-item:not(.lm-mod-disabled):not([data-type="separator"])'
    )
  ).map(item => item.querySelector('.lm-Menu-itemLabel')?.textContent ?? '');
}

/** Lay the panel out at a width, as the sidebar or the main area would. */
export function resize(panel: Widget, width: number): void {
  MessageLoop.sendMessage(panel, new Widget.ResizeMessage(width, 600));
}

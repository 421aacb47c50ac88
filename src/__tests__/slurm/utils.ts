/** Helpers of the Slurm panel tests. */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ISlurmJob } from '../../api/types';
import { SlurmActions } from '../../slurm/actions';
import { SlurmHistoryModel } from '../../slurm/history';
import { SlurmQueueModel } from '../../slurm/model';
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
  session: ISlurmSession | null = null
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
    showDetails,
    session
  });
  const panel = new SlurmPanel({ model, history, actions, session, trans });
  Widget.attach(panel, document.body);
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

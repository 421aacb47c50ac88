import { TranslationBundle } from '@jupyterlab/translation';

import { AppState, IAppInstance } from '../api/types';

/** How many lines of its log a failure shows. */
export const TAIL_LINES = 10;

/** The name of an instance: `TensorBoard · 0`. */
export function instanceLabel(
  title: string,
  endpoint: number,
  trans: TranslationBundle
): string {
  return trans.__('%1 · %2', title, endpoint);
}

/** A state as the user reads it. */
export function stateLabel(state: AppState, trans: TranslationBundle): string {
  switch (state) {
    case 'starting':
      return trans.__('starting');
    case 'running':
      return trans.__('running');
    case 'stopping':
      return trans.__('stopping');
    case 'exited':
      return trans.__('exited');
    case 'failed':
      return trans.__('failed');
  }
}

/** The state, with the exit code of a stopped instance. */
export function stateDetail(
  instance: IAppInstance,
  trans: TranslationBundle
): string {
  const code = instance.exit_code;
  const state = stateLabel(instance.state, trans);
  const stopped = instance.state === 'exited' || instance.state === 'failed';
  return stopped && code !== null
    ? trans.__('%1 (code %2)', state, code)
    : state;
}

/**
 * The Running panel's detail of an instance: its state, and the modules it
 * was started with (`running · tensorboard/2.18`).
 */
export function instanceDetail(
  instance: IAppInstance,
  trans: TranslationBundle
): string {
  const state = stateDetail(instance, trans);
  const modules = instance.modules ?? [];
  return modules.length
    ? trans.__('%1 · %2', state, modules.join(', '))
    : state;
}

/** How the server starts the lines it writes into an app's log. */
const LOG_HEADER = '[jupyterlab-hpc] ';

/** The last `count` non-empty lines the app itself wrote into its log. */
export function tailLines(log: string, count = TAIL_LINES): string {
  const lines = log
    .split(/\r?\n/)
    // The server's own header lines (when, where, the command) are not the app's words.
    .filter(line => line.trim() !== '' && !line.startsWith(LOG_HEADER));
  return lines.slice(-count).join('\n');
}

/**
 * What a failed launch says: which instance, how it ended and its exit code
 * first (a toast shows 140 characters), then the server's reason and the
 * end of the log.
 */
export function failureMessage(
  instance: IAppInstance,
  tail: string,
  trans: TranslationBundle
): string {
  const label = instanceLabel(instance.title, instance.endpoint, trans);
  if (instance.message) {
    // The server's reason names the exit code or the timeout already.
    const head = trans.__('%1: %2', label, instance.message);
    return tail ? `${head}\n${tail}` : head;
  }
  const exited = instance.state === 'exited';
  const head =
    instance.exit_code === null
      ? exited
        ? trans.__('%1 exited', label)
        : trans.__('%1 failed', label)
      : exited
        ? trans.__('%1 exited with code %2', label, instance.exit_code)
        : trans.__('%1 failed with exit code %2', label, instance.exit_code);
  return tail ? `${head}.\n${tail}` : `${head}.`;
}

/** Everything about an instance, one fact a line, for its tooltip. */
export function describeInstance(
  instance: IAppInstance,
  trans: TranslationBundle
): string {
  const lines = [
    instanceLabel(instance.title, instance.endpoint, trans),
    trans.__('State: %1', stateDetail(instance, trans))
  ];
  if (instance.message) {
    lines.push(instance.message);
  }
  lines.push(trans.__('Arguments: %1', instance.args || trans.__('none')));
  if (instance.env_names.length) {
    lines.push(trans.__('Variables: %1', instance.env_names.join(', ')));
  }
  if (instance.modules?.length) {
    lines.push(trans.__('Modules: %1', instance.modules.join(', ')));
  }
  const started = instance.started ? new Date(instance.started) : null;
  if (started && !Number.isNaN(started.getTime())) {
    lines.push(trans.__('Started: %1', started.toLocaleString()));
  }
  if (instance.pid !== null) {
    lines.push(trans.__('Process: %1', instance.pid));
  }
  return lines.join('\n');
}

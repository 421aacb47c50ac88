import { TranslationBundle } from '@jupyterlab/translation';

import { CullSource } from './api';

/** Whole minutes, at least 1 for anything above 0. */
export function minutesOf(seconds: number): number {
  return seconds > 0 ? Math.max(1, Math.ceil(seconds / 60)) : 0;
}

/** A length of time in hours and minutes: "<1 min", "25 min", "1 h 05 min". */
export function formatDuration(
  seconds: number,
  trans: TranslationBundle
): string {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  if (minutes < 1) {
    return trans.__('<1 min');
  }
  if (minutes < 60) {
    return trans.__('%1 min', minutes);
  }
  const rest = String(minutes % 60).padStart(2, '0');
  return trans.__('%1 h %2 min', Math.floor(minutes / 60), rest);
}

/** The status item's text: "Idle 25 min". */
export function formatIdle(idleS: number, trans: TranslationBundle): string {
  return trans.__('Idle %1', formatDuration(idleS, trans));
}

/** Who stops an idle server, and after how long. */
export function formatCullRule(
  timeoutS: number,
  source: CullSource | null,
  trans: TranslationBundle
): string {
  const after = formatDuration(timeoutS, trans);
  return source === 'server'
    ? trans.__(
        'This server stops itself after %1 without activity and without kernels.',
        after
      )
    : trans.__('The hub stops idle servers after %1.', after);
}

/** The notification before the culler stops the server. */
export function formatCullWarning(
  culledInS: number,
  source: CullSource | null,
  trans: TranslationBundle
): string {
  const minutes = minutesOf(culledInS);
  return source === 'server'
    ? trans._n(
        'This server has been idle and stops itself in %1 minute: save your work, or keep working.',
        'This server has been idle and stops itself in %1 minutes: save your work, or keep working.',
        minutes
      )
    : trans._n(
        'This server has been idle: JupyterHub stops it in %1 minute. Save your work, or keep working.',
        'This server has been idle: JupyterHub stops it in %1 minutes. Save your work, or keep working.',
        minutes
      );
}

/** The warning before an idle job ends (the user's own setting). */
export function formatJobEndWarning(
  jobId: string,
  endsInS: number,
  trans: TranslationBundle
): string {
  return trans._n(
    'Slurm job %2 has been idle and ends in %1 minute, as your settings ask: its resources go back to the queue.',
    'Slurm job %2 has been idle and ends in %1 minutes, as your settings ask: its resources go back to the queue.',
    minutesOf(endsInS),
    jobId
  );
}

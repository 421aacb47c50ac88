import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Days, hours and minutes of a duration, rounded down: "2d 3h", "1h 12m",
 * "45m", "<1m". Rounding down never promises more time than there is.
 */
export function formatSpan(seconds: number, trans: TranslationBundle): string {
  const minutes = Math.floor(Math.max(0, seconds) / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) {
    return trans.__('%1d %2h', days, hours);
  }
  if (hours > 0) {
    return trans.__('%1h %2m', hours, minutes % 60);
  }
  return minutes > 0 ? trans.__('%1m', minutes) : trans.__('<1m');
}

/** The time left to a job, in words: "1h 12m left", or "time is up". */
export function formatTimeLeft(
  seconds: number,
  trans: TranslationBundle
): string {
  if (seconds <= 0) {
    return trans.__('time is up');
  }
  return trans.__('%1 left', formatSpan(seconds, trans));
}

/** A job's time limit in words, "unlimited" without one. */
export function formatLimit(
  seconds: number | null,
  trans: TranslationBundle
): string {
  return seconds === null ? trans.__('unlimited') : formatSpan(seconds, trans);
}

/** The notification shown as the end of the job nears. */
export function formatEnding(
  jobId: string,
  minutes: number,
  trans: TranslationBundle
): string {
  return trans._n(
    'Your Slurm job %2 ends in %1 minute: save your work.',
    'Your Slurm job %2 ends in %1 minutes: save your work.',
    minutes,
    jobId
  );
}

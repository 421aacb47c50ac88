import { TranslationBundle } from '@jupyterlab/translation';

/**
 * A duration the way Slurm prints one: `m:ss`, `h:mm:ss` or `d-hh:mm:ss`,
 * so that the table reads like `squeue` to people who know it.
 */
export function formatDuration(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) {
    return null;
  }
  const total = Math.floor(seconds);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const pad = (value: number) => String(value).padStart(2, '0');
  if (days > 0) {
    return `${days}-${pad(hours)}:${pad(minutes)}:${pad(secs)}`;
  }
  if (hours > 0) {
    return `${hours}:${pad(minutes)}:${pad(secs)}`;
  }
  return `${minutes}:${pad(secs)}`;
}

/** "12:03 / 1:00:00": time used against the limit ("unlimited" without one). */
export function formatTimeUsed(
  used: number | null,
  limit: number | null,
  trans: TranslationBundle
): string {
  const usedText = formatDuration(used) ?? '0:00';
  const limitText = formatDuration(limit) ?? trans.__('unlimited');
  return `${usedText} / ${limitText}`;
}

/** How old data are, in words: "12 s ago", "3 min ago", "2 h ago". */
export function formatAge(seconds: number, trans: TranslationBundle): string {
  const age = Math.max(0, Math.floor(seconds));
  if (age < 60) {
    return trans.__('%1 s ago', age);
  }
  if (age < 3600) {
    return trans.__('%1 min ago', Math.floor(age / 60));
  }
  if (age < 86400) {
    return trans.__('%1 h ago', Math.floor(age / 3600));
  }
  return trans.__('%1 d ago', Math.floor(age / 86400));
}

/** A server time (ISO) in the browser's local time, or null. */
export function formatLocalTime(iso: string | null): string | null {
  if (!iso) {
    return null;
  }
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) {
    return iso;
  }
  return time.toLocaleString();
}

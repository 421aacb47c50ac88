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

/** A length of time in words, coarse: "35 s", "42 min", "1 h 20 min", "2 d 3 h". */
export function formatSpan(seconds: number, trans: TranslationBundle): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total < 60) {
    return trans.__('%1 s', total);
  }
  if (total < 3600) {
    return trans.__('%1 min', Math.floor(total / 60));
  }
  if (total < 86400) {
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    return minutes
      ? trans.__('%1 h %2 min', hours, minutes)
      : trans.__('%1 h', hours);
  }
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  return hours ? trans.__('%1 d %2 h', days, hours) : trans.__('%1 d', days);
}

/** A running job's time left ("47 min left"), or that it has no limit. */
export function formatTimeLeft(
  used: number | null,
  limit: number | null,
  trans: TranslationBundle
): string {
  if (limit === null) {
    return trans.__('no time limit');
  }
  return trans.__('%1 left', formatSpan(limit - (used ?? 0), trans));
}

/**
 * A pending job's estimated start: "starts ≈ 14:20 (in 2 h)", the day too
 * when it is not today; null when Slurm has no estimate. `bare` leaves out
 * "starts" (under a column header that says it): "≈ 14:20 (in 2 h)".
 */
export function formatStart(
  iso: string | null,
  now: number,
  trans: TranslationBundle,
  bare = false
): string | null {
  const time = iso ? new Date(iso) : null;
  if (!time || Number.isNaN(time.getTime())) {
    return null;
  }
  const wait = (time.getTime() - now) / 1000;
  if (wait < 60) {
    return bare ? trans.__('soon') : trans.__('starts soon');
  }
  const clock = Private.clock(time, now);
  const span = formatSpan(wait, trans);
  return bare
    ? trans.__('≈ %1 (in %2)', clock, span)
    : trans.__('starts ≈ %1 (in %2)', clock, span);
}

/** "3rd in cpu_p1's queue": a pending job's place among its partition's. */
export function formatQueuePosition(
  position: number | null,
  partition: string,
  trans: TranslationBundle
): string | null {
  if (position === null || position < 1) {
    return null;
  }
  return trans.__(
    "%1 in %2's queue",
    formatOrdinal(position, trans),
    partition
  );
}

/** 1st, 2nd, 3rd, 4th… (each suffix a string of its own to translate). */
export function formatOrdinal(n: number, trans: TranslationBundle): string {
  switch (new Intl.PluralRules('en', { type: 'ordinal' }).select(n)) {
    case 'one':
      return trans.__('%1st', n);
    case 'two':
      return trans.__('%1nd', n);
    case 'few':
      return trans.__('%1rd', n);
    default:
      return trans.__('%1th', n);
  }
}

/** "42 min of 1 h": a finished job's elapsed time against its limit. */
export function formatElapsedOf(
  elapsed: number | null,
  limit: number | null,
  trans: TranslationBundle
): string {
  if (elapsed === null) {
    return '';
  }
  const used = formatSpan(elapsed, trans);
  return limit === null
    ? used
    : trans.__('%1 of %2', used, formatSpan(limit, trans));
}

/** A share (0 to 1) as a whole percentage: "90 %". */
export function formatPercent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/**
 * "1.7 of 4.0 GiB": the most memory a job used against what it asked for,
 * both in the unit of the larger; null when it was not measured.
 */
export function formatMemoryOf(
  used: number | null,
  requested: number | null,
  trans: TranslationBundle
): string | null {
  if (used === null) {
    return null;
  }
  const [unit, size] = Private.unit(Math.max(used, requested ?? 0));
  const show = (bytes: number) => (bytes / size).toFixed(1);
  return requested === null
    ? `${show(used)} ${unit}`
    : trans.__('%1 of %2 %3', show(used), show(requested), unit);
}

/** Energy in kWh (from 1 kWh) or Wh, or "not measured" when null. */
export function formatEnergy(
  joules: number | null,
  trans: TranslationBundle
): string {
  if (joules === null) {
    return trans.__('not measured');
  }
  const wh = joules / 3600;
  if (wh >= 1000) {
    return trans.__('%1 kWh', (wh / 1000).toFixed(2));
  }
  return trans.__('%1 Wh', wh < 10 ? wh.toFixed(1) : Math.round(wh));
}

/** Grams of CO2 equivalent: "60.5 g CO2e", kilograms from 1 kg. */
export function formatCO2(grams: number, trans: TranslationBundle): string {
  if (grams >= 1000) {
    return trans.__('%1 kg CO2e', (grams / 1000).toFixed(2));
  }
  return trans.__(
    '%1 g CO2e',
    grams < 10 ? grams.toFixed(2) : grams.toFixed(1)
  );
}

namespace Private {
  /** "14:20" today, "Sat 14:20" within the week, the date after. */
  export function clock(time: Date, now: number): string {
    const hm: Intl.DateTimeFormatOptions = {
      hour: '2-digit',
      minute: '2-digit'
    };
    if (time.toDateString() === new Date(now).toDateString()) {
      return time.toLocaleTimeString(undefined, hm);
    }
    const week = time.getTime() - now < 6 * 86400 * 1000;
    return time.toLocaleString(
      undefined,
      week
        ? { weekday: 'short', ...hm }
        : { month: 'short', day: 'numeric', ...hm }
    );
  }

  /** The binary unit to show a size in: GiB from 1 GiB, MiB below. */
  export function unit(bytes: number): [string, number] {
    return bytes >= 1024 ** 3 ? ['GiB', 1024 ** 3] : ['MiB', 1024 ** 2];
  }
}

export { formatGrams } from '../emissions/format';
export { formatWatts } from '../power/format';

/** A time of day in local time, "09:05". */
export function formatClock(time: number): string {
  const date = new Date(time);
  return `${Private.pad(date.getHours())}:${Private.pad(date.getMinutes())}`;
}

/** A short local date, "Nov 23", for spans longer than a day. */
export function formatDay(time: number): string {
  return new Date(time).toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric'
  });
}

/** A time of day, with its date when it is not the same day as `now`. */
export function formatSince(time: number, now: number): string {
  const sameDay =
    new Date(time).toDateString() === new Date(now).toDateString();
  return sameDay
    ? formatClock(time)
    : `${formatDay(time)} ${formatClock(time)}`;
}

/** An axis label with just the decimals that `step` needs. */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return value.toFixed(Math.min(decimals, 6));
}

namespace Private {
  /** Two digits, "05". */
  export function pad(value: number): string {
    return String(value).padStart(2, '0');
  }
}

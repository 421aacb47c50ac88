/** Watts as the summary shows them: "45 W", "7.5 W", "12.5 kW". */
export function formatWatts(watts: number): string {
  // Read at a glance, as the power meters show them.
  const [value, unit] =
    Math.abs(watts) >= 10000 ? [watts / 1000, 'kW'] : [watts, 'W'];
  return `${value.toFixed(Math.abs(value) < 10 ? 1 : 0)} ${unit}`;
}

/** A mass of CO2-equivalent: "0.42 g", "12.3 g", "1.25 kg", "3.10 t". */
export function formatGrams(grams: number): string {
  if (Math.abs(grams) >= 1e6) {
    return `${Private.digits(grams / 1e6)} t`;
  }
  if (Math.abs(grams) >= 1000) {
    return `${Private.digits(grams / 1000)} kg`;
  }
  return `${Private.digits(grams)} g`;
}

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
  /** Two decimals below 10, one below 100, none above. */
  export function digits(value: number): string {
    const size = Math.abs(value);
    return value.toFixed(size < 10 ? 2 : size < 100 ? 1 : 0);
  }

  /** Two digits, "05". */
  export function pad(value: number): string {
    return String(value).padStart(2, '0');
  }
}

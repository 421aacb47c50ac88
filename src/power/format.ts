/** Watts as a person reads them: "45 W", "7.5 W", "1.25 kW". */
export function formatWatts(watts: number): string {
  const [value, unit] = Private.scale(watts);
  return `${value} ${unit}`;
}

/** Watts against a limit, in the limit's unit: "45 / 120 W". */
export function formatPower(watts: number, limit: number | null): string {
  if (limit === null || !(limit > 0)) {
    return formatWatts(watts);
  }
  const [limitValue, unit] = Private.scale(limit);
  const factor = unit === 'kW' ? 1000 : 1;
  return `${Private.digits(watts / factor)} / ${limitValue} ${unit}`;
}

namespace Private {
  /** A value and its unit, W below 10 kW (GPU nodes add up to several kW). */
  export function scale(watts: number): [string, string] {
    return Math.abs(watts) >= 10000
      ? [digits(watts / 1000), 'kW']
      : [digits(watts), 'W'];
  }

  /** One decimal below 10, none above: meters are read at a glance. */
  export function digits(value: number): string {
    return Math.abs(value) < 10 ? value.toFixed(1) : value.toFixed(0);
  }
}

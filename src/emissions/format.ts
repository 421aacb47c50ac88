/** A mass of CO2-equivalent: "0.42 g", "12.3 g", "1.25 kg", "3.1 t". */
export function formatGrams(grams: number): string {
  if (grams >= 1e6) {
    return `${Private.digits(grams / 1e6)} t`;
  }
  if (grams >= 1000) {
    return `${Private.digits(grams / 1000)} kg`;
  }
  return `${Private.digits(grams)} g`;
}

/** Energy: "850 Wh", "12.5 kWh". */
export function formatEnergy(wattHours: number): string {
  return wattHours >= 1000
    ? `${Private.digits(wattHours / 1000)} kWh`
    : `${Private.digits(wattHours)} Wh`;
}

namespace Private {
  /** Two decimals below 10, one below 100, none above. */
  export function digits(value: number): string {
    const size = Math.abs(value);
    return value.toFixed(size < 10 ? 2 : size < 100 ? 1 : 0);
  }
}

/** Binary units, labelled as Slurm and most HPC documentation label them. */
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** The exponent of 1024 that suits `bytes` (at least 1 of that unit). */
export function unitExponent(bytes: number): number {
  let exponent = 0;
  while (
    exponent < UNITS.length - 1 &&
    Math.abs(bytes) >= 1024 ** (exponent + 1)
  ) {
    exponent++;
  }
  return exponent;
}

/** Decimals for amounts of the size of `bytes`: one below 100 units, else none. */
function decimals(bytes: number, exponent: number): number {
  return exponent > 0 && bytes / 1024 ** exponent < 100 ? 1 : 0;
}

/** A used/limit pair in the limit's unit and precision, such as `1.2 / 5.0 GB`. */
export function formatUsage(used: number, limit: number | null): string {
  const reference = limit ?? used;
  const exponent = unitExponent(reference);
  const digits = decimals(reference, exponent);
  const show = (bytes: number) => (bytes / 1024 ** exponent).toFixed(digits);
  const unit = UNITS[exponent];
  return limit === null
    ? `${show(used)} ${unit}`
    : `${show(used)} / ${show(limit)} ${unit}`;
}

/** One amount in its own unit, such as `17.2 GB`. */
export function formatBytes(bytes: number): string {
  return formatUsage(bytes, null);
}

/** A number of cores: whole counts as they are, fractions to one decimal. */
export function formatCores(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : cores.toFixed(1);
}

/**
 * Cores busy against the limit, such as `3.2 / 8`; an en dash stands for
 * the used cores before the second sample measured them.
 */
export function formatCpuUsage(
  used: number | null,
  limit: number | null
): string {
  const shown = used === null ? '\u2013' : used.toFixed(1);
  return limit === null ? shown : `${shown} / ${formatCores(limit)}`;
}

import { PathExt } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';

import { formatCores } from '../cpu/format';
import { formatBytes } from '../memory/format';
import { IKernelUsageItem } from './model';

/** A share of the limit in whole percent, such as `60 %`. */
export function formatShare(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** Cores busy, with one decimal unless whole. */
function cores(value: number): string {
  return formatCores(Math.round(value * 10) / 10);
}

/**
 * What names a kernel: the notebook or console it serves, else
 * "Kernel <display name>".
 */
export function kernelLabel(
  item: IKernelUsageItem,
  trans: TranslationBundle
): string {
  if (item.session) {
    return item.session.name || PathExt.basename(item.session.path);
  }
  return trans.__(
    'Kernel %1',
    item.displayName ?? item.kernelName ?? item.usage.id.slice(0, 8)
  );
}

/**
 * Memory, its share of the job's limit when known, and cores busy, such as
 * `1.2 GB (60 %) · 0.8 cores`; no cores before the second sample.
 */
export function kernelDetail(
  item: IKernelUsageItem,
  trans: TranslationBundle
): string {
  const memory =
    item.share === null
      ? formatBytes(item.usage.memory_bytes)
      : `${formatBytes(item.usage.memory_bytes)} (${formatShare(item.share)})`;
  const busy = item.usage.cpu_cores;
  return busy === null ? memory : `${memory} · ${coresBusy(busy, trans)}`;
}

/** Cores busy in words, such as `0.8 cores` or `1 core`. */
function coresBusy(busy: number, trans: TranslationBundle): string {
  const shown = cores(busy);
  return trans._n('%2 core', '%2 cores', Number(shown), shown);
}

/** Everything about a kernel's usage, one fact a line, for its tooltip. */
export function describeKernel(
  item: IKernelUsageItem,
  limitBytes: number | null,
  trans: TranslationBundle
): string {
  const { usage, session } = item;
  const lines = [
    session
      ? trans.__('Path: %1', session.path)
      : trans.__('No notebook or console uses this kernel')
  ];
  if (item.kernelName !== null) {
    lines.push(
      item.displayName
        ? trans.__('Kernel: %1 (%2)', item.displayName, item.kernelName)
        : trans.__('Kernel: %1', item.kernelName)
    );
  }
  const started = usage.processes - 1;
  lines.push(
    started > 0
      ? trans._n(
          'Process: %2, and %1 process it started',
          'Process: %2, and %1 processes it started',
          started,
          usage.pid
        )
      : trans.__('Process: %1, which started none', usage.pid)
  );
  if (item.share !== null && limitBytes !== null) {
    lines.push(
      trans.__(
        "Memory: %1, %2 of the job's limit of %3",
        formatBytes(usage.memory_bytes),
        formatShare(item.share),
        formatBytes(limitBytes)
      )
    );
  } else {
    lines.push(trans.__('Memory: %1', formatBytes(usage.memory_bytes)));
  }
  lines.push(
    usage.cpu_cores === null
      ? trans.__('CPU: measured from the next sample on')
      : trans.__('CPU: %1 busy', coresBusy(usage.cpu_cores, trans))
  );
  if (item.warn) {
    lines.push(
      trans.__(
        "This kernel holds more than half of the job's memory limit: it is the likeliest reason the job would be killed at that limit."
      )
    );
  }
  return lines.join('\n');
}

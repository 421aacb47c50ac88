import { ISlurmPartition } from '../../api/types';

/**
 * The batch script of the New job form, and the checks of its values: pure
 * functions, so that the preview, the validation and the submitted script
 * are one and the same computation.
 */

/** The form's fields that become `#SBATCH` options, in the script's order. */
export const OPTION_KEYS = [
  'job_name',
  'partition',
  'time',
  'nodes',
  'ntasks',
  'cpus_per_task',
  'mem',
  'gpus',
  'account',
  'qos',
  'output'
] as const;

/** A field of the form that becomes an `#SBATCH` option. */
export type OptionKey = (typeof OPTION_KEYS)[number];

/** What the user filled in; every value as typed (a string). */
export interface INewJobValues {
  /** The `#SBATCH` options; an empty one is left out of the script. */
  options: { [key in OptionKey]: string };
  /** The template's own placeholders (`{{module}}`…), by name. */
  params: { [key: string]: string };
  /** The script body, `{{key}}` placeholders included. */
  body: string;
  /** The folder the job starts in, relative to the server root. */
  cwd: string;
}

/** Why a field's value cannot be submitted: a message, by field. */
export type FieldErrors = { [field: string]: string };

/** The messages of the checks, translated by the caller. */
export interface IMessages {
  /** A single-line field holds a newline or another control character. */
  control: string;
  /** Not a whole number of at least 1. */
  count: string;
  /** Not a Slurm duration. */
  time: string;
  /** Not a memory size such as `4G`. */
  mem: string;
  /** More than the partition allows; `%1` is the allowed maximum. */
  above: (max: string) => string;
  /** A `{{key}}` placeholder of the body with no value. */
  placeholder: (key: string) => string;
}

/** The `#SBATCH` option of each field. */
const FLAGS: { [key in OptionKey]: string } = {
  job_name: '--job-name',
  partition: '--partition',
  time: '--time',
  nodes: '--nodes',
  ntasks: '--ntasks',
  cpus_per_task: '--cpus-per-task',
  mem: '--mem',
  gpus: '--gpus',
  account: '--account',
  qos: '--qos',
  output: '--output'
};

/** `{{ key }}` in a template body. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Newlines and every other control character: one value, one line. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Whether a single-line value holds a character that would start a new line. */
export function hasControl(value: string): boolean {
  return CONTROL.test(value);
}

/** The placeholder names of a body, once each, in order. */
export function placeholders(body: string): string[] {
  const names: string[] = [];
  body.replace(PLACEHOLDER, (whole, name: string) => {
    if (!names.includes(name)) {
      names.push(name);
    }
    return whole;
  });
  return names;
}

/** The placeholders of a body that are not form fields (a template's own). */
export function templateParams(body: string): string[] {
  return placeholders(body).filter(
    name => !(OPTION_KEYS as readonly string[]).includes(name)
  );
}

/**
 * A Slurm duration in seconds: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M` or
 * `D-H:M:S` (sbatch's `--time` forms); null when it is none of them.
 */
export function parseTime(value: string): number | null {
  const match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(value.trim());
  if (!match) {
    return null;
  }
  const [, days, a, b, c] = match;
  const n = (text: string | undefined) => (text ? parseInt(text, 10) : 0);
  if (days !== undefined) {
    // D-H, D-H:M, D-H:M:S
    return n(days) * 86400 + n(a) * 3600 + n(b) * 60 + n(c);
  }
  if (c !== undefined) {
    return n(a) * 3600 + n(b) * 60 + n(c);
  }
  // M or M:S
  return n(a) * 60 + n(b);
}

/** A `--mem` value in MiB (`4G`, `512M`, `512`: MiB by default); null if invalid. */
export function parseMemory(value: string): number | null {
  const match = /^(\d+)([KMGT]?)B?$/i.exec(value.trim());
  if (!match) {
    return null;
  }
  const factor: { [unit: string]: number } = {
    K: 1 / 1024,
    '': 1,
    M: 1,
    G: 1024,
    T: 1024 * 1024
  };
  return parseInt(match[1], 10) * factor[match[2].toUpperCase()];
}

/** A count of at least 1, or null. */
function parseCount(value: string): number | null {
  return /^\s*\d+\s*$/.test(value) && parseInt(value, 10) >= 1
    ? parseInt(value, 10)
    : null;
}

/**
 * The values' errors, by field (`options` keys, `param:<name>`, `cwd`,
 * `body`), checked against the partition chosen when it is known. No
 * errors: `{}`.
 */
export function validate(
  values: INewJobValues,
  partition: ISlurmPartition | null,
  messages: IMessages
): FieldErrors {
  const errors: FieldErrors = {};
  const { options } = values;
  const single: [string, string][] = [
    ...OPTION_KEYS.map((key): [string, string] => [key, options[key]]),
    // Only the parameters the body uses: the others reach no script.
    ...templateParams(values.body).map((key): [string, string] => [
      `param:${key}`,
      values.params[key] ?? ''
    ]),
    ['cwd', values.cwd]
  ];
  single.forEach(([field, value]) => {
    if (hasControl(value)) {
      errors[field] = messages.control;
    }
  });

  const set = (field: string, message: string) => {
    errors[field] = errors[field] ?? message;
  };
  const count = (key: OptionKey): number | null => {
    const value = options[key].trim();
    if (!value) {
      return null;
    }
    const parsed = parseCount(value);
    if (parsed === null) {
      set(key, messages.count);
    }
    return parsed;
  };
  const nodes = count('nodes');
  const ntasks = count('ntasks');
  const cpus = count('cpus_per_task');
  const gpus = count('gpus');
  const time = options.time.trim() ? parseTime(options.time) : null;
  if (options.time.trim() && time === null) {
    set('time', messages.time);
  }
  const mem = options.mem.trim() ? parseMemory(options.mem) : null;
  if (options.mem.trim() && mem === null) {
    set('mem', messages.mem);
  }

  if (partition) {
    const maxNodes = Math.min(
      partition.nodes,
      partition.max_nodes ?? partition.nodes
    );
    if (partition.max_time_s !== null && time !== null) {
      if (time > partition.max_time_s) {
        set('time', messages.above(formatTime(partition.max_time_s)));
      }
    }
    if (nodes !== null && nodes > maxNodes) {
      set('nodes', messages.above(String(maxNodes)));
    }
    if (cpus !== null && cpus > partition.cpus_per_node) {
      set('cpus_per_task', messages.above(String(partition.cpus_per_node)));
    }
    // Every task's CPUs on the nodes asked for (one node by default).
    const cpusInAll = partition.cpus_per_node * Math.min(nodes ?? 1, maxNodes);
    if (ntasks !== null && ntasks * (cpus ?? 1) > cpusInAll) {
      set(
        'ntasks',
        messages.above(String(Math.floor(cpusInAll / (cpus ?? 1))))
      );
    }
    if (mem !== null && mem > partition.memory_per_node_mb) {
      set('mem', messages.above(`${partition.memory_per_node_mb}M`));
    }
    // --gpus counts the job's GPUs: those of every node it asks for.
    const gpusInAll = partition.gpus_per_node * Math.min(nodes ?? 1, maxNodes);
    if (gpus !== null && gpus > gpusInAll) {
      set('gpus', messages.above(String(gpusInAll)));
    }
  }

  templateParams(values.body)
    .filter(name => !(values.params[name] ?? '').trim())
    .forEach(name => set(`param:${name}`, messages.placeholder(name)));
  return errors;
}

/** A duration as `D-HH:MM:SS` or `HH:MM:SS`, the form's own format. */
export function formatTime(seconds: number): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const days = Math.floor(seconds / 86400);
  const rest = `${pad(Math.floor((seconds % 86400) / 3600))}:${pad(
    Math.floor((seconds % 3600) / 60)
  )}:${pad(seconds % 60)}`;
  return days ? `${days}-${rest}` : rest;
}

/**
 * A value as one `#SBATCH` argument: quoted when sbatch would otherwise cut
 * it (whitespace), read a comment (`#`) or a quote, with `\` and `"`
 * escaped inside the quotes, the way sbatch reads its script's options.
 */
export function quoteOption(value: string): string {
  return /[\s#"'\\]/.test(value) || value === ''
    ? `"${value.replace(/[\\"]/g, '\\$&')}"`
    : value;
}

/** The body with each `{{key}}` replaced by the field's or parameter's value. */
export function fillBody(values: INewJobValues): string {
  return values.body.replace(PLACEHOLDER, (whole, key: string) => {
    const value = (OPTION_KEYS as readonly string[]).includes(key)
      ? values.options[key as OptionKey]
      : values.params[key];
    // A value that would add a line stays a placeholder (the form flags it).
    return value === undefined || hasControl(value) ? whole : value.trim();
  });
}

/**
 * The batch script: `#!/bin/bash`, one `#SBATCH` line per filled-in
 * option, then the body with its placeholders filled in.
 *
 * A value with a control character is left out (the form flags it), so that
 * no value can add a line or an option of its own.
 */
export function renderScript(values: INewJobValues): string {
  const lines = ['#!/bin/bash'];
  OPTION_KEYS.forEach(key => {
    const value = values.options[key].trim();
    if (value && !hasControl(value)) {
      lines.push(`#SBATCH ${FLAGS[key]}=${quoteOption(value)}`);
    }
  });
  let body = fillBody(values);
  // The body's own shebang would come after the options: keep only ours.
  body = body.replace(/^#![^\n]*\n?/, '');
  lines.push('', body.replace(/\s*$/, ''));
  return `${lines.join('\n')}\n`;
}

/** Empty values: the form's starting point before a template or partition. */
export function emptyValues(): INewJobValues {
  const options = {} as { [key in OptionKey]: string };
  OPTION_KEYS.forEach(key => (options[key] = ''));
  return { options, params: {}, body: '', cwd: '' };
}

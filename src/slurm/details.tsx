import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISlurmJobDetails } from '../api/types';
import { reasonText } from './reasons';

/**
 * A job's details as a sheet: the fields people look at first, in words,
 * then every `scontrol show job` field folded under "All fields". The
 * dialog's body is the one scroll container.
 */
export function JobDetails(props: {
  details: ISlurmJobDetails;
  trans: TranslationBundle;
  onOpen(path: string): void;
}): JSX.Element {
  const { details, trans } = props;
  // One file for both streams (Slurm's default): one button.
  const separate =
    details.stderr_path !== null && details.stderr_path !== details.stdout_path;
  return (
    <div className="jp-hpc-SlurmDetails">
      <div className="jp-hpc-SlurmDetails-files">
        <OpenButton
          className="jp-hpc-SlurmDetails-stdout"
          label={
            separate
              ? trans.__('Open output')
              : trans.__('Open output and errors')
          }
          relative={details.stdout_relative}
          absolute={details.stdout_path}
          trans={trans}
          onOpen={props.onOpen}
        />
        {separate && (
          <OpenButton
            className="jp-hpc-SlurmDetails-stderr"
            label={trans.__('Open errors')}
            relative={details.stderr_relative}
            absolute={details.stderr_path}
            trans={trans}
            onOpen={props.onOpen}
          />
        )}
      </div>
      <dl className="jp-hpc-SlurmDetails-sheet">
        {detailsSummary(details, trans).map(([key, label, value]) => (
          <React.Fragment key={key}>
            <dt className="jp-hpc-SlurmDetails-label">{label}</dt>
            <dd className="jp-hpc-SlurmDetails-item" data-summary={key}>
              {value}
            </dd>
          </React.Fragment>
        ))}
      </dl>
      <details className="jp-hpc-SlurmDetails-all">
        <summary>{trans.__('All fields')}</summary>
        <table className="jp-hpc-SlurmDetails-fields">
          <tbody>
            {Object.entries(details.fields).map(([key, value]) => (
              <tr key={key} data-field={key}>
                <th scope="row" className="jp-hpc-SlurmDetails-key">
                  {key}
                </th>
                <td className="jp-hpc-SlurmDetails-value">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}

/**
 * The fields of a job people look at first, as `[key, label, text]`, in
 * that order; those Slurm leaves unset (`(null)`, `N/A`, `Unknown`) are left
 * out, but for the times, which say "not yet".
 */
export function detailsSummary(
  details: ISlurmJobDetails,
  trans: TranslationBundle
): [string, string, string][] {
  const fields = details.fields;
  const value = (key: string): string | null => {
    const text = fields[key];
    return text === undefined || Private.UNSET.has(text) ? null : text;
  };
  const time = (key: string) =>
    value(key)?.replace('T', ' ') ?? trans.__('not yet');
  const rows: [string, string, string | null][] = [];
  const state = value('JobState');
  const reason = reasonText(value('Reason') ?? '', trans);
  rows.push([
    'state',
    trans.__('State'),
    state && reason ? trans.__('%1: %2', state, reason) : state
  ]);
  rows.push(['submitted', trans.__('Submitted'), time('SubmitTime')]);
  rows.push([
    'started',
    state === 'PENDING' ? trans.__('Expected start') : trans.__('Started'),
    time('StartTime')
  ]);
  rows.push(['ended', trans.__('Ends'), time('EndTime')]);
  const limit = value('TimeLimit');
  const used = value('RunTime');
  rows.push([
    'time',
    trans.__('Time used / limit'),
    used && limit ? trans.__('%1 of %2', used, limit) : (used ?? limit)
  ]);
  rows.push(['partition', trans.__('Partition'), value('Partition')]);
  rows.push(['account', trans.__('Account'), value('Account')]);
  rows.push(['qos', trans.__('QoS'), value('QOS')]);
  rows.push([
    'resources',
    trans.__('Resources'),
    Private.resources(fields, trans)
  ]);
  rows.push(['nodelist', trans.__('Nodes'), value('NodeList')]);
  rows.push(['workdir', trans.__('Working directory'), value('WorkDir')]);
  rows.push(['command', trans.__('Script'), value('Command')]);
  rows.push(['stdout', trans.__('Output'), details.stdout_path]);
  if (details.stderr_path !== details.stdout_path) {
    rows.push(['stderr', trans.__('Errors'), details.stderr_path]);
  }
  rows.push(['exitcode', trans.__('Exit code'), value('ExitCode')]);
  return rows.filter((row): row is [string, string, string] => !!row[2]);
}

/**
 * A button that opens an output file, disabled where the file is outside
 * the server root (the file browser cannot reach it) or unknown.
 */
function OpenButton(props: {
  className: string;
  label: string;
  relative: string | null;
  absolute: string | null;
  trans: TranslationBundle;
  onOpen(path: string): void;
}): JSX.Element {
  const { relative, absolute, trans } = props;
  const title =
    relative !== null
      ? trans.__('Open %1', relative)
      : absolute
        ? trans.__('%1 is outside the server root', absolute)
        : trans.__('Slurm names no such file for this job');
  // A disabled button shows no tooltip in every browser: the wrapper does.
  return (
    <span className="jp-hpc-SlurmDetails-file" title={title}>
      <button
        className={`${props.className} jp-mod-styled`}
        disabled={relative === null}
        aria-label={`${props.label}: ${title}`}
        onClick={() => relative !== null && props.onOpen(relative)}
      >
        {props.label}
      </button>
    </span>
  );
}

namespace Private {
  /** What scontrol prints for a field it has no value for. */
  export const UNSET = new Set(['', '(null)', 'N/A', 'Unknown', 'None']);

  /** "2 nodes, 8 CPUs, 16G memory, gpu:2", from the node/CPU counts and TRES. */
  export function resources(
    fields: { [key: string]: string },
    trans: TranslationBundle
  ): string | null {
    const parts: string[] = [];
    const nodes = Number(fields['NumNodes']);
    const cpus = Number(fields['NumCPUs']);
    if (Number.isFinite(nodes) && fields['NumNodes']) {
      parts.push(trans._n('%1 node', '%1 nodes', nodes));
    }
    if (Number.isFinite(cpus) && fields['NumCPUs']) {
      parts.push(trans._n('%1 CPU', '%1 CPUs', cpus));
    }
    const tres = new Map(
      (fields['TRES'] ?? '')
        .split(',')
        .map(item => item.split('=') as [string, string | undefined])
        .filter(([, amount]) => amount !== undefined)
        .map(([name, amount]) => [name, amount as string])
    );
    const mem = tres.get('mem');
    if (mem) {
      parts.push(trans.__('%1 memory', mem));
    }
    for (const [name, amount] of tres) {
      if (name.startsWith('gres/gpu')) {
        parts.push(`${name.slice('gres/'.length)}=${amount}`);
        break;
      }
    }
    return parts.length ? parts.join(', ') : null;
  }
}

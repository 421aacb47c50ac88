import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISlurmJob } from '../api/types';
import { formatDuration, formatTimeUsed } from './format';
import { isSessionJob, ISort, SortKey, stateModifier } from './jobs';

/** The queue table: sortable headers, one checkbox per row, exact text. */
export const JobTable = React.memo((props: JobTable.IProps): JSX.Element => {
  const { jobs, sort, selected, trans } = props;
  const columns = Private.columns(trans, props.showUser);
  const count = jobs.filter(job => selected.has(job.id)).length;
  return (
    <table className="jp-hpc-SlurmTable">
      <thead>
        <tr>
          <th className="jp-hpc-SlurmTable-select" scope="col">
            <Private.SelectAll
              checked={count > 0 && count === jobs.length}
              indeterminate={count > 0 && count < jobs.length}
              label={trans.__('Select every job shown')}
              onChange={props.onSelectAll}
            />
          </th>
          {columns.map(([key, label]) => (
            <th
              key={key}
              scope="col"
              className={`jp-hpc-SlurmTable-${key}`}
              aria-sort={
                sort.key !== key
                  ? 'none'
                  : sort.ascending
                    ? 'ascending'
                    : 'descending'
              }
            >
              <button
                className="jp-hpc-SlurmTable-sort"
                title={trans.__('Sort by %1', label)}
                onClick={() => props.onSort(key)}
              >
                {label}
                <span className="jp-hpc-SlurmTable-arrow" aria-hidden="true">
                  {sort.key === key ? (sort.ascending ? '▲' : '▼') : ''}
                </span>
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {jobs.map(job => (
          <Private.Row
            key={job.id}
            job={job}
            selected={selected.has(job.id)}
            session={isSessionJob(job, props.sessionJob)}
            showUser={props.showUser}
            trans={trans}
            onSelect={props.onSelect}
            onDetails={props.onDetails}
          />
        ))}
      </tbody>
    </table>
  );
});

/** A namespace for `JobTable` statics. */
export namespace JobTable {
  /** The properties of the queue table. */
  export interface IProps {
    /** The rows, filtered and sorted. */
    jobs: readonly ISlurmJob[];
    /** The current order. */
    sort: ISort;
    /** The ids of the selected rows. */
    selected: ReadonlySet<string>;
    /** Whether to show the owner of each job (everyone's jobs). */
    showUser: boolean;
    /** The id of the job this JupyterLab runs in, marked as such; null: none. */
    sessionJob: string | null;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** Sort by a column (again: reverse the order). */
    onSort(key: SortKey): void;
    /** Select a row, or not. */
    onSelect(id: string, selected: boolean): void;
    /** Select every row shown, or none. */
    onSelectAll(selected: boolean): void;
    /** Show the details of a job. */
    onDetails(job: ISlurmJob): void;
  }
}

namespace Private {
  /** The sortable columns and their headers. */
  export function columns(
    trans: TranslationBundle,
    showUser: boolean
  ): [SortKey, string][] {
    // State second: it is what a narrow sidebar must still show.
    const all: [SortKey, string][] = [
      ['id', trans.__('Job')],
      ['state', trans.__('State')],
      ['name', trans.__('Name')],
      ['user', trans.__('User')],
      ['partition', trans.__('Partition')],
      ['nodes', trans.__('Nodes')],
      ['time', trans.__('Time / limit')],
      ['reason', trans.__('Reason')]
    ];
    return showUser ? all : all.filter(([key]) => key !== 'user');
  }

  /** The header checkbox, which shows a partial selection as such. */
  export function SelectAll(props: {
    checked: boolean;
    indeterminate: boolean;
    label: string;
    onChange(selected: boolean): void;
  }): JSX.Element {
    const ref = React.useRef<HTMLInputElement>(null);
    React.useEffect(() => {
      if (ref.current) {
        ref.current.indeterminate = props.indeterminate;
      }
    }, [props.indeterminate]);
    return (
      <input
        ref={ref}
        type="checkbox"
        aria-label={props.label}
        title={props.label}
        checked={props.checked}
        onChange={event => props.onChange(event.currentTarget.checked)}
      />
    );
  }

  /** One job. Text goes through React, which escapes it; nothing is trimmed. */
  export function Row(props: {
    job: ISlurmJob;
    selected: boolean;
    session: boolean;
    showUser: boolean;
    trans: TranslationBundle;
    onSelect(id: string, selected: boolean): void;
    onDetails(job: ISlurmJob): void;
  }): JSX.Element {
    const { job, trans } = props;
    const state = stateModifier(job.state);
    const limit = formatDuration(job.time_limit_s) ?? trans.__('unlimited');
    const modifiers =
      (props.selected ? ' jp-mod-selected' : '') +
      (props.session ? ' jp-mod-session' : '');
    return (
      <tr
        className={`jp-hpc-SlurmJob${modifiers}`}
        data-job-id={job.id}
        data-state={job.state}
        data-session={props.session ? 'true' : undefined}
      >
        <td className="jp-hpc-SlurmJob-select">
          <input
            type="checkbox"
            aria-label={
              props.session
                ? trans.__(
                    'Select job %1, the job this JupyterLab runs in',
                    job.id
                  )
                : trans.__('Select job %1', job.id)
            }
            checked={props.selected}
            onChange={event =>
              props.onSelect(job.id, event.currentTarget.checked)
            }
          />
        </td>
        <td className="jp-hpc-SlurmJob-id">
          <button
            className="jp-hpc-SlurmJob-details"
            title={trans.__('Show the details of job %1', job.id)}
            onClick={() => props.onDetails(job)}
          >
            {job.id}
          </button>
          {props.session && (
            <span
              className="jp-hpc-SlurmSessionBadge"
              title={trans.__(
                'This JupyterLab runs in job %1: cancelling or ending it stops JupyterLab',
                job.id
              )}
            >
              {trans.__('this JupyterLab')}
            </span>
          )}
        </td>
        <td className="jp-hpc-SlurmJob-state">
          <span className={`jp-hpc-SlurmState jp-mod-${state}`}>
            {job.state}
          </span>
          {job.held && (
            <span className="jp-hpc-SlurmHeld" title={job.reason}>
              {trans.__('held')}
            </span>
          )}
        </td>
        <td className="jp-hpc-SlurmJob-name" title={job.name}>
          {job.name}
        </td>
        {props.showUser && <td className="jp-hpc-SlurmJob-user">{job.user}</td>}
        <td className="jp-hpc-SlurmJob-partition">{job.partition}</td>
        <td
          className="jp-hpc-SlurmJob-nodes"
          title={trans._n('%1 node', '%1 nodes', job.num_nodes)}
        >
          {job.nodes ?? String(job.num_nodes)}
        </td>
        <td
          className="jp-hpc-SlurmJob-time"
          title={trans.__('Time used / time limit (%1)', limit)}
        >
          {formatTimeUsed(job.time_used_s, job.time_limit_s, trans)}
        </td>
        <td className="jp-hpc-SlurmJob-reason">
          {job.reason === 'None' ? '' : job.reason}
        </td>
      </tr>
    );
  }
}

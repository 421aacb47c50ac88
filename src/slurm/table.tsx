import { TranslationBundle } from '@jupyterlab/translation';
import { ellipsesIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ISlurmJob } from '../api/types';
import {
  formatDuration,
  formatQueuePosition,
  formatStart,
  formatTimeLeft,
  formatTimeUsed
} from './format';
import { isSessionJob, ISort, SortKey, stateModifier } from './jobs';
import { reasonText } from './reasons';

/**
 * Why a pending job waits, in words, with its place in its partition's
 * queue: "waiting for higher-priority jobs · 3rd in cpu_p1's queue".
 */
export function pendingWhy(job: ISlurmJob, trans: TranslationBundle): string {
  const position = formatQueuePosition(
    job.queue_position,
    job.partition,
    trans
  );
  return [reasonText(job.reason, trans), position].filter(Boolean).join(' · ');
}

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
            now={props.now}
            trans={trans}
            onSelect={props.onSelect}
            onDetails={props.onDetails}
            onMenu={props.onMenu}
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
    /** The time of this rendering, for the start estimates. */
    now: number;
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
    /** Open the actions menu of a job, at the event's place. */
    onMenu(job: ISlurmJob, event: React.MouseEvent<HTMLElement>): void;
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
      ['start', trans.__('Starts / left')],
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
    now: number;
    trans: TranslationBundle;
    onSelect(id: string, selected: boolean): void;
    onDetails(job: ISlurmJob): void;
    onMenu(job: ISlurmJob, event: React.MouseEvent<HTMLElement>): void;
  }): JSX.Element {
    const { job, trans } = props;
    const pending = job.state === 'PENDING';
    const why = pending ? pendingWhy(job, trans) : '';
    const when = pending
      ? formatStart(job.start_time, props.now, trans, true)
      : job.state === 'RUNNING'
        ? formatTimeLeft(job.time_used_s, job.time_limit_s, trans)
        : null;
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
        onContextMenu={event => {
          event.preventDefault();
          props.onMenu(job, event);
        }}
      >
        <td className="jp-hpc-SlurmJob-select">
          <SelectBox
            job={job}
            session={props.session}
            selected={props.selected}
            onSelect={props.onSelect}
            trans={trans}
          />
        </td>
        <td className="jp-hpc-SlurmJob-id">
          <DetailsButton job={job} onDetails={props.onDetails} trans={trans} />
          <MenuButton job={job} onMenu={props.onMenu} trans={trans} />
          {props.session && <SessionBadge id={job.id} trans={trans} />}
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
        <td
          className="jp-hpc-SlurmJob-start"
          title={job.start_time ?? undefined}
        >
          {when ?? ''}
        </td>
        <td
          className="jp-hpc-SlurmJob-reason"
          title={job.reason === 'None' ? undefined : job.reason}
        >
          {pending ? why : reasonText(job.reason, trans)}
        </td>
      </tr>
    );
  }
}

/** The mark of the job this JupyterLab runs in. */
export function SessionBadge(props: {
  id: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <span
      className="jp-hpc-SlurmSessionBadge"
      title={trans.__(
        'This JupyterLab runs in job %1: cancelling or ending it stops JupyterLab',
        props.id
      )}
    >
      {trans.__('this JupyterLab')}
    </span>
  );
}

/** A job's selection box, named for screen readers. */
export function SelectBox(props: {
  job: ISlurmJob;
  session: boolean;
  selected: boolean;
  onSelect: (id: string, selected: boolean) => void;
  trans: TranslationBundle;
  className?: string;
}): JSX.Element {
  const { job, trans } = props;
  return (
    <input
      type="checkbox"
      className={props.className}
      aria-label={
        props.session
          ? trans.__('Select job %1, the job this JupyterLab runs in', job.id)
          : trans.__('Select job %1', job.id)
      }
      checked={props.selected}
      onChange={event => props.onSelect(job.id, event.currentTarget.checked)}
    />
  );
}

/** A job's id, as the button that shows its details. */
export function DetailsButton(props: {
  job: ISlurmJob;
  onDetails: (job: ISlurmJob) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { job, trans } = props;
  return (
    <button
      className="jp-hpc-SlurmJob-details"
      title={trans.__('Show the details of job %1', job.id)}
      onClick={() => props.onDetails(job)}
    >
      {job.id}
    </button>
  );
}

/** The "…" button that opens a job's actions menu. */
export function MenuButton(props: {
  job: ISlurmJob;
  onMenu: (job: ISlurmJob, event: React.MouseEvent<HTMLElement>) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { job, trans } = props;
  return (
    <button
      className="jp-hpc-SlurmJob-menu"
      title={trans.__('Actions for job %1', job.id)}
      aria-label={trans.__('Actions for job %1', job.id)}
      aria-haspopup="menu"
      onClick={event => props.onMenu(job, event)}
    >
      <ellipsesIcon.react tag="span" />
    </button>
  );
}

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISlurmJob } from '../api/types';
import { formatStart, formatTimeLeft } from './format';
import { isSessionJob, stateModifier } from './jobs';
import {
  DetailsButton,
  MenuButton,
  SelectBox,
  SessionBadge,
  pendingWhy
} from './table';

/**
 * The queue at sidebar width: one compact row per job — id, name, state
 * badge, and the time left (running) or the start estimate (pending).
 * The same classes as the table's rows, so that both read alike.
 */
export const CompactJobs = React.memo(
  (props: CompactJobs.IProps): JSX.Element => {
    const { jobs, trans } = props;
    return (
      <ul className="jp-hpc-SlurmCompact" aria-label={trans.__('Jobs')}>
        {jobs.map(job => (
          <Private.Row
            key={job.id}
            job={job}
            now={props.now}
            selected={props.selected.has(job.id)}
            session={isSessionJob(job, props.sessionJob)}
            trans={trans}
            onSelect={props.onSelect}
            onDetails={props.onDetails}
            onMenu={props.onMenu}
          />
        ))}
      </ul>
    );
  }
);

/** A namespace for `CompactJobs` statics. */
export namespace CompactJobs {
  /** The properties of the compact queue. */
  export interface IProps {
    jobs: readonly ISlurmJob[];
    /** The time of this rendering, for the start estimates. */
    now: number;
    selected: ReadonlySet<string>;
    sessionJob: string | null;
    trans: TranslationBundle;
    onSelect(id: string, selected: boolean): void;
    onDetails(job: ISlurmJob): void;
    /** Open the actions menu of a job, at the event's place. */
    onMenu(job: ISlurmJob, event: React.MouseEvent<HTMLElement>): void;
  }
}

namespace Private {
  /** One job, on two short lines. */
  export function Row(props: {
    job: ISlurmJob;
    now: number;
    selected: boolean;
    session: boolean;
    trans: TranslationBundle;
    onSelect(id: string, selected: boolean): void;
    onDetails(job: ISlurmJob): void;
    onMenu(job: ISlurmJob, event: React.MouseEvent<HTMLElement>): void;
  }): JSX.Element {
    const { job, trans } = props;
    const pending = job.state === 'PENDING';
    const why = pending ? pendingWhy(job, trans) : '';
    // A pending job without an estimate says why it waits instead.
    const when = pending
      ? (formatStart(job.start_time, props.now, trans) ?? why)
      : job.state === 'RUNNING'
        ? formatTimeLeft(job.time_used_s, job.time_limit_s, trans)
        : '';
    const modifiers =
      (props.selected ? ' jp-mod-selected' : '') +
      (props.session ? ' jp-mod-session' : '');
    return (
      <li
        className={`jp-hpc-SlurmJob jp-hpc-SlurmCompact-job${modifiers}`}
        data-job-id={job.id}
        data-state={job.state}
        data-session={props.session ? 'true' : undefined}
        onContextMenu={event => {
          event.preventDefault();
          props.onMenu(job, event);
        }}
      >
        <SelectBox
          className="jp-hpc-SlurmJob-select"
          job={job}
          session={props.session}
          selected={props.selected}
          onSelect={props.onSelect}
          trans={trans}
        />
        <DetailsButton job={job} onDetails={props.onDetails} trans={trans} />
        <span className="jp-hpc-SlurmJob-name" title={job.name}>
          {job.name}
        </span>
        <MenuButton job={job} onMenu={props.onMenu} trans={trans} />
        <span className="jp-hpc-SlurmCompact-line">
          <span
            className={`jp-hpc-SlurmState jp-mod-${stateModifier(job.state)}`}
            title={why || undefined}
          >
            {job.state}
          </span>
          {job.held && (
            <span className="jp-hpc-SlurmHeld" title={why}>
              {trans.__('held')}
            </span>
          )}
          {props.session && <SessionBadge id={job.id} trans={trans} />}
          <span
            className="jp-hpc-SlurmJob-when"
            title={why ? `${why} (${job.reason})` : undefined}
          >
            {when}
          </span>
        </span>
      </li>
    );
  }
}

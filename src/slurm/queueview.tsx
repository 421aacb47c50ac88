import { TranslationBundle } from '@jupyterlab/translation';
import {
  ellipsesIcon,
  infoIcon,
  LabIcon,
  refreshIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { ISlurmJob, SlurmScope } from '../api/types';
import { ISlurmActions } from './actions';
import { CompactJobs } from './compact';
import { JobMenu, openJobMenu } from './jobmenu';
import { QueueStatus } from './queuestatus';
import {
  canHold,
  canRelease,
  filterJobs,
  ISort,
  SortKey,
  sortJobs
} from './jobs';
import { ISlurmSession } from './session';
import { JobTable } from './table';
import { ISlurmQueueModel } from './tokens';

/**
 * The queue tab: toolbar, filter, scope, the age of the data, and the table
 * (or why there is none). Filter, order and selection are this view's own.
 */
export function QueueView(props: QueueView.IProps): JSX.Element {
  const { model, trans, actions, session, narrow } = props;
  const [filter, setFilter] = React.useState('');
  const [sort, setSort] = React.useState<ISort>({ key: 'id', ascending: true });
  const [selected, setSelected] = React.useState<ReadonlySet<string>>(
    new Set()
  );
  const [busy, setBusy] = React.useState(false);

  const data = model.data;
  const jobs = model.jobs;
  const shown = React.useMemo(
    () => sortJobs(filterJobs(jobs, filter), sort),
    [jobs, filter, sort]
  );
  // Act only on rows the user can see: a filter never hides a selected job.
  const chosen = shown.filter(job => selected.has(job.id));
  const own = chosen.filter(job => !data?.user || job.user === data.user);

  const onSort = React.useCallback((key: SortKey) => {
    setSort(old => ({
      key,
      ascending: old.key === key ? !old.ascending : true
    }));
  }, []);
  const onSelect = React.useCallback((id: string, on: boolean) => {
    setSelected(old => {
      const next = new Set(old);
      on ? next.add(id) : next.delete(id);
      return next;
    });
  }, []);
  const onSelectAll = React.useCallback(
    (on: boolean) => setSelected(new Set(on ? shown.map(job => job.id) : [])),
    [shown]
  );
  const onDetails = React.useCallback(
    (job: ISlurmJob) => void actions.details(job),
    [actions]
  );
  const owner = data?.user;
  const onMenu = React.useCallback(
    (job: ISlurmJob, event: React.MouseEvent<HTMLElement>) => {
      const target = event.currentTarget;
      openJobMenu({
        jobs: [job],
        own: !owner || job.user === owner ? [job] : [],
        actions,
        trans,
        ...JobMenu.position(event),
        restoreFocus: target.querySelector('button') ?? target
      });
    },
    [actions, trans, owner]
  );
  const run = (action: () => Promise<unknown>) => {
    setBusy(true);
    void action().finally(() => setBusy(false));
  };
  const setScope = (scope: SlurmScope) => {
    setSelected(new Set());
    model.scope = scope;
  };

  const buttons: Private.IButton[] = [
    {
      name: 'refresh',
      label: trans.__('Refresh'),
      title: trans.__('Read the queue again'),
      icon: refreshIcon,
      enabled: true,
      compact: true,
      onClick: () => void model.refresh()
    },
    {
      name: 'cancel',
      label: trans.__('Cancel'),
      title: trans.__('Cancel the selected jobs (asks first)'),
      icon: stopIcon,
      enabled: !busy && own.length > 0,
      compact: true,
      onClick: () => run(() => actions.cancel(own))
    },
    {
      name: 'hold',
      label: trans.__('Hold'),
      title: trans.__('Keep the selected pending jobs from starting'),
      enabled: !busy && own.some(canHold),
      onClick: () => run(() => actions.hold(own))
    },
    {
      name: 'release',
      label: trans.__('Release'),
      title: trans.__('Let the selected held jobs start'),
      enabled: !busy && own.some(canRelease),
      onClick: () => run(() => actions.release(own))
    },
    {
      name: 'details',
      label: trans.__('Details'),
      title: trans.__('Show the details of the selected job'),
      icon: infoIcon,
      enabled: chosen.length === 1,
      onClick: () => onDetails(chosen[0])
    },
    {
      name: 'more',
      label: trans.__('More'),
      title: trans.__(
        'More actions for the selected jobs: requeue, copy, hold, release'
      ),
      icon: ellipsesIcon,
      enabled: !busy && chosen.length > 0,
      compact: true,
      menu: true,
      onClick: event =>
        void openJobMenu({
          jobs: chosen,
          own,
          actions,
          trans,
          ...JobMenu.position(event),
          restoreFocus: event.currentTarget
        })
    }
  ];
  if (session?.canEnd && session.jobId) {
    buttons.push({
      name: 'end-session',
      label: trans.__('End Session'),
      title: trans.__(
        'Stop this JupyterLab and end its Slurm job %1, releasing the allocation (asks first)',
        session.jobId
      ),
      enabled: !busy,
      compact: true,
      onClick: () => run(() => session.end())
    });
  }
  const controls = (
    <>
      <input
        type="search"
        className="jp-hpc-SlurmPanel-filter"
        placeholder={trans.__('Filter jobs')}
        aria-label={trans.__(
          'Filter jobs by id, name, state, partition or reason'
        )}
        value={filter}
        onChange={event => setFilter(event.currentTarget.value)}
      />
      <div
        className="jp-hpc-SlurmPanel-scope"
        role="group"
        aria-label={trans.__('Whose jobs')}
      >
        {(['mine', 'all'] as SlurmScope[]).map(scope => (
          <button
            key={scope}
            className={`jp-hpc-SlurmPanel-scope-${scope}${model.scope === scope ? ' jp-mod-active' : ''}`}
            aria-pressed={model.scope === scope}
            onClick={() => setScope(scope)}
          >
            {scope === 'mine' ? trans.__('Mine') : trans.__('All jobs')}
          </button>
        ))}
      </div>
    </>
  );
  // At sidebar width: one line, with the buttons as icons and the rest in More.
  const shownButtons = narrow
    ? buttons.filter(button => button.compact)
    : buttons;

  const toolbar = (
    <div
      className="jp-hpc-SlurmPanel-toolbar"
      role="toolbar"
      aria-label={trans.__('Job actions')}
    >
      {shownButtons.map(button => (
        <Private.Button key={button.name} {...button} iconOnly={narrow} />
      ))}
      {narrow && controls}
    </div>
  );

  return (
    <div className="jp-hpc-SlurmQueue">
      {toolbar}
      {!narrow && <div className="jp-hpc-SlurmPanel-controls">{controls}</div>}
      <QueueStatus
        model={model}
        now={props.now}
        trans={trans}
        shown={shown.length}
      />
      {model.status === 'ready' && shown.length > 0 && narrow && (
        <div className="jp-hpc-SlurmPanel-table">
          <CompactJobs
            jobs={shown}
            now={props.now}
            selected={selected}
            sessionJob={session?.jobId ?? null}
            trans={trans}
            onSelect={onSelect}
            onDetails={onDetails}
            onMenu={onMenu}
          />
        </div>
      )}
      {model.status === 'ready' && shown.length > 0 && !narrow && (
        <div className="jp-hpc-SlurmPanel-table">
          <JobTable
            jobs={shown}
            sort={sort}
            selected={selected}
            showUser={model.scope === 'all'}
            sessionJob={session?.jobId ?? null}
            now={props.now}
            trans={trans}
            onSort={onSort}
            onSelect={onSelect}
            onSelectAll={onSelectAll}
            onDetails={onDetails}
            onMenu={onMenu}
          />
        </div>
      )}
      {model.status === 'ready' && shown.length === 0 && (
        <div className="jp-hpc-SlurmPanel-empty">
          {jobs.length
            ? trans.__('No jobs match the filter.')
            : trans.__('No jobs in the queue.')}
        </div>
      )}
    </div>
  );
}

/** A namespace for `QueueView` statics. */
export namespace QueueView {
  /** The properties of the queue view. */
  export interface IProps {
    model: ISlurmQueueModel;
    actions: ISlurmActions;
    /** This JupyterLab's own job: its row is marked, and End Session offered. */
    session: ISlurmSession | null;
    /** The time of this rendering, for the age of the data. */
    now: number;
    /** Whether the panel is as narrow as a sidebar: compact rows, one toolbar line. */
    narrow: boolean;
    trans: TranslationBundle;
  }
}

namespace Private {
  /** A toolbar button. */
  export interface IButton {
    name: string;
    label: string;
    title: string;
    icon?: LabIcon;
    enabled: boolean;
    /** Whether it stays on the toolbar at sidebar width. */
    compact?: boolean;
    /** Whether it opens a menu. */
    menu?: boolean;
    onClick(event: React.MouseEvent<HTMLButtonElement>): void;
  }

  /**
   * A toolbar button: a plain button, so keyboard and tests both work; with
   * `iconOnly`, its label is its accessible name only.
   */
  export function Button(props: IButton & { iconOnly?: boolean }): JSX.Element {
    const iconOnly = props.iconOnly && props.icon;
    return (
      <button
        className={`jp-hpc-SlurmPanel-button jp-hpc-SlurmPanel-${props.name}`}
        title={props.title}
        aria-label={iconOnly ? props.label : undefined}
        aria-haspopup={props.menu ? 'menu' : undefined}
        disabled={!props.enabled}
        onClick={props.onClick}
      >
        {props.icon && (
          <props.icon.react tag="span" className="jp-hpc-SlurmPanel-icon" />
        )}
        {!iconOnly && <span>{props.label}</span>}
      </button>
    );
  }
}

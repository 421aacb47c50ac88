import { TranslationBundle } from '@jupyterlab/translation';
import {
  infoIcon,
  LabIcon,
  refreshIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { ISlurmJob, SlurmScope } from '../api/types';
import { ISlurmActions } from './actions';
import { formatAge } from './format';
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
  const { model, trans, actions, session } = props;
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
      onClick: () => void model.refresh()
    },
    {
      name: 'cancel',
      label: trans.__('Cancel'),
      title: trans.__('Cancel the selected jobs (asks first)'),
      icon: stopIcon,
      enabled: !busy && own.length > 0,
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
      title: trans.__('Show every field of the selected job'),
      icon: infoIcon,
      enabled: chosen.length === 1,
      onClick: () => onDetails(chosen[0])
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
      onClick: () => run(() => session.end())
    });
  }

  return (
    <div className="jp-hpc-SlurmQueue">
      <div
        className="jp-hpc-SlurmPanel-toolbar"
        role="toolbar"
        aria-label={trans.__('Job actions')}
      >
        {buttons.map(button => (
          <Private.Button key={button.name} {...button} />
        ))}
      </div>
      <div className="jp-hpc-SlurmPanel-controls">
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
      </div>
      <Private.Status
        model={model}
        now={props.now}
        trans={trans}
        shown={shown.length}
      />
      {model.status === 'ready' && shown.length > 0 && (
        <div className="jp-hpc-SlurmPanel-table">
          <JobTable
            jobs={shown}
            sort={sort}
            selected={selected}
            showUser={model.scope === 'all'}
            sessionJob={session?.jobId ?? null}
            trans={trans}
            onSort={onSort}
            onSelect={onSelect}
            onSelectAll={onSelectAll}
            onDetails={onDetails}
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
    onClick(): void;
  }

  /** A toolbar button: a plain button, so keyboard and tests both work. */
  export function Button(props: IButton): JSX.Element {
    return (
      <button
        className={`jp-hpc-SlurmPanel-button jp-hpc-SlurmPanel-${props.name}`}
        title={props.title}
        disabled={!props.enabled}
        onClick={props.onClick}
      >
        {props.icon && (
          <props.icon.react tag="span" className="jp-hpc-SlurmPanel-icon" />
        )}
        <span>{props.label}</span>
      </button>
    );
  }

  /** Loading, the request's error, the server's stale warning, or the age. */
  export function Status(props: {
    model: ISlurmQueueModel;
    now: number;
    shown: number;
    trans: TranslationBundle;
  }): JSX.Element {
    const { model, trans } = props;
    const fetched = model.fetchedAt;
    const age =
      fetched === null
        ? null
        : formatAge((props.now - fetched.getTime()) / 1000, trans);
    if (model.status === 'loading') {
      return (
        <div className="jp-hpc-SlurmPanel-loading">
          {trans.__('Reading the queue…')}
        </div>
      );
    }
    if (model.status === 'error') {
      return (
        <div className="jp-hpc-SlurmPanel-error" role="alert">
          <span className="jp-hpc-SlurmPanel-message">
            {trans.__(
              'The queue could not be read: %1',
              model.error?.message ?? ''
            )}
          </span>
          <button
            className="jp-hpc-SlurmPanel-retry jp-mod-styled jp-mod-accept"
            onClick={() => void model.refresh()}
          >
            {trans.__('Retry')}
          </button>
        </div>
      );
    }
    return (
      <>
        {model.stale && (
          <div className="jp-hpc-SlurmPanel-stale" role="status">
            {age
              ? trans.__(
                  'Not up to date: the jobs shown were read %1. %2',
                  age,
                  model.staleMessage ?? ''
                )
              : trans.__('Not up to date. %1', model.staleMessage ?? '')}
          </div>
        )}
        <div className="jp-hpc-SlurmPanel-status">
          <span className="jp-hpc-SlurmPanel-age">
            {age ? trans.__('Updated %1', age) : ''}
          </span>
          <span className="jp-hpc-SlurmPanel-count">
            {trans._n('%1 job', '%1 jobs', props.shown)}
          </span>
        </div>
      </>
    );
  }
}

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISlurmHistoryJob } from '../api/types';
import { formatDuration, formatLocalTime } from './format';
import { SlurmHistoryModel } from './history';
import { stateModifier } from './jobs';

/**
 * The History tab: finished jobs, or the server's reason why the cluster
 * keeps none (no accounting), never an empty table that says nothing.
 */
export function HistoryView(props: HistoryView.IProps): JSX.Element {
  const { model, trans } = props;
  const history = model.history;
  return (
    <div className="jp-hpc-SlurmHistory">
      <div className="jp-hpc-SlurmPanel-toolbar" role="toolbar">
        <button
          className="jp-hpc-SlurmPanel-button jp-hpc-SlurmHistory-refresh"
          disabled={model.loading}
          onClick={() => void model.load()}
        >
          {trans.__('Refresh')}
        </button>
        <span className="jp-hpc-SlurmHistory-range">
          {trans._n(
            'Jobs finished in the last day',
            'Jobs finished in the last %1 days',
            model.days
          )}
          {history?.source ? ` (${history.source})` : ''}
        </span>
      </div>
      {model.loading && !history && (
        <div className="jp-hpc-SlurmPanel-loading">
          {trans.__('Reading the job history…')}
        </div>
      )}
      {model.error && (
        <div className="jp-hpc-SlurmPanel-error" role="alert">
          <span className="jp-hpc-SlurmPanel-message">
            {trans.__('The history could not be read: %1', model.error.message)}
          </span>
        </div>
      )}
      {history && !history.available && (
        <div className="jp-hpc-SlurmHistory-unavailable" role="status">
          {history.reason ??
            trans.__('Job history is not available on this cluster.')}
        </div>
      )}
      {history?.available && history.jobs.length === 0 && (
        <div className="jp-hpc-SlurmPanel-empty">
          {trans.__('No jobs finished in this period.')}
        </div>
      )}
      {history?.available && history.jobs.length > 0 && (
        <div className="jp-hpc-SlurmPanel-table">
          <table className="jp-hpc-SlurmTable">
            <thead>
              <tr>
                <th scope="col">{trans.__('Job')}</th>
                <th scope="col">{trans.__('Name')}</th>
                <th scope="col">{trans.__('State')}</th>
                <th scope="col">{trans.__('Ended')}</th>
                <th scope="col">{trans.__('Elapsed')}</th>
                <th scope="col">{trans.__('Exit code')}</th>
              </tr>
            </thead>
            <tbody>
              {history.jobs.map((job, index) => (
                <Private.Row key={`${index}-${job.id}`} job={job} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** A namespace for `HistoryView` statics. */
export namespace HistoryView {
  /** The properties of the history view. */
  export interface IProps {
    model: SlurmHistoryModel;
    trans: TranslationBundle;
  }
}

namespace Private {
  /** One finished job. */
  export function Row(props: { job: ISlurmHistoryJob }): JSX.Element {
    const { job } = props;
    return (
      <tr className="jp-hpc-SlurmHistory-job" data-job-id={job.id}>
        <td className="jp-hpc-SlurmJob-id">{job.id}</td>
        <td className="jp-hpc-SlurmJob-name" title={job.name}>
          {job.name}
        </td>
        <td className="jp-hpc-SlurmJob-state">
          <span
            className={`jp-hpc-SlurmState jp-mod-${stateModifier(job.state)}`}
          >
            {job.state}
          </span>
        </td>
        <td title={job.end_time ?? ''}>
          {formatLocalTime(job.end_time) ?? ''}
        </td>
        <td>{formatDuration(job.elapsed_s) ?? ''}</td>
        <td>{job.exit_code ?? ''}</td>
      </tr>
    );
  }
}

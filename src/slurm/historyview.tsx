import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISlurmHistory, ISlurmHistoryJob } from '../api/types';
import {
  formatCO2,
  formatElapsedOf,
  formatEnergy,
  formatLocalTime,
  formatMemoryOf,
  formatPercent
} from './format';
import { SlurmHistoryModel } from './history';
import { stateModifier } from './jobs';

/** Below this CPU efficiency a finished job's share is shown as a warning. */
export const LOW_EFFICIENCY = 0.5;

/**
 * The History tab: finished jobs with what `seff` would tell of them (time
 * against the limit, CPU efficiency, memory against the request, energy),
 * or the server's reason why the cluster keeps none (no accounting), never
 * an empty table that says nothing.
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
        </span>
      </div>
      {history?.available && history.source && (
        <div className="jp-hpc-SlurmHistory-source">
          {sourceLabel(history.source, trans)}
        </div>
      )}
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
          {props.narrow ? (
            <ul className="jp-hpc-SlurmCompact" aria-label={trans.__('Jobs')}>
              {history.jobs.map((job, index) => (
                <Private.CompactRow
                  key={`${index}-${job.id}`}
                  job={job}
                  history={history}
                  trans={trans}
                />
              ))}
            </ul>
          ) : (
            <table className="jp-hpc-SlurmTable">
              <thead>
                <tr>
                  <th scope="col">{trans.__('Job')}</th>
                  <th scope="col">{trans.__('Name')}</th>
                  <th scope="col">{trans.__('State')}</th>
                  <th scope="col">{trans.__('Ended')}</th>
                  <th scope="col">{trans.__('Elapsed / limit')}</th>
                  <th scope="col">{trans.__('CPU efficiency')}</th>
                  <th scope="col">{trans.__('Memory / requested')}</th>
                  <th scope="col">{trans.__('Energy')}</th>
                  <th scope="col">{trans.__('Exit code')}</th>
                </tr>
              </thead>
              <tbody>
                {history.jobs.map((job, index) => (
                  <Private.Row
                    key={`${index}-${job.id}`}
                    job={job}
                    history={history}
                    trans={trans}
                  />
                ))}
              </tbody>
            </table>
          )}
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
    /** Whether the panel is as narrow as a sidebar: compact rows. */
    narrow: boolean;
    trans: TranslationBundle;
  }
}

/**
 * Where the history comes from, in words: the accounting database, or only
 * the job completion file (`sacct -c`), whose names may be cut.
 */
export function sourceLabel(source: string, trans: TranslationBundle): string {
  if (source === 'sacct -c') {
    return trans.__('from sacct -c: job completion file; names may be cut');
  }
  if (source === 'sacct') {
    return trans.__('from sacct: the Slurm accounting database');
  }
  return trans.__('from %1', source);
}

namespace Private {
  /** The cells a finished job shows, as text, with their titles. */
  export function cells(
    job: ISlurmHistoryJob,
    history: ISlurmHistory,
    trans: TranslationBundle
  ) {
    const energy = formatEnergy(job.energy_joules, trans);
    const factor = history.emission_factor_g_per_kwh;
    return {
      elapsed: formatElapsedOf(job.elapsed_s, job.time_limit_s, trans),
      efficiency:
        job.cpu_efficiency === null ? '' : formatPercent(job.cpu_efficiency),
      efficiencyTitle:
        job.cpu_efficiency === null
          ? undefined
          : trans.__(
              'CPU time used / (elapsed × %1 CPUs): how busy its CPUs were',
              job.cpus ?? '?'
            ),
      low: job.cpu_efficiency !== null && job.cpu_efficiency < LOW_EFFICIENCY,
      memory: formatMemoryOf(job.max_rss_bytes, job.req_mem_bytes, trans) ?? '',
      energy:
        job.co2_grams === null
          ? energy
          : trans.__('%1 · %2', energy, formatCO2(job.co2_grams, trans)),
      energyTitle:
        job.co2_grams !== null && factor !== null
          ? trans.__('CO2 at %1 g CO2e per kWh', factor)
          : undefined
    };
  }

  /** The state badge of a finished job. */
  export function State(props: { state: string }): JSX.Element {
    return (
      <span
        className={`jp-hpc-SlurmState jp-mod-${stateModifier(props.state)}`}
      >
        {props.state}
      </span>
    );
  }

  /** One finished job in the table. */
  export function Row(props: {
    job: ISlurmHistoryJob;
    history: ISlurmHistory;
    trans: TranslationBundle;
  }): JSX.Element {
    const { job } = props;
    const cell = cells(job, props.history, props.trans);
    return (
      <tr className="jp-hpc-SlurmHistory-job" data-job-id={job.id}>
        <td className="jp-hpc-SlurmJob-id">{job.id}</td>
        <td className="jp-hpc-SlurmJob-name" title={job.name}>
          {job.name}
        </td>
        <td className="jp-hpc-SlurmJob-state">
          <State state={job.state} />
        </td>
        <td title={job.end_time ?? ''}>
          {formatLocalTime(job.end_time) ?? ''}
        </td>
        <td className="jp-hpc-SlurmHistory-elapsed">{cell.elapsed}</td>
        <td
          className={`jp-hpc-SlurmHistory-efficiency${cell.low ? ' jp-mod-warn' : ''}`}
          title={cell.efficiencyTitle}
        >
          {cell.efficiency}
        </td>
        <td className="jp-hpc-SlurmHistory-memory">{cell.memory}</td>
        <td className="jp-hpc-SlurmHistory-energy" title={cell.energyTitle}>
          {cell.energy}
        </td>
        <td>{job.exit_code ?? ''}</td>
      </tr>
    );
  }

  /** One finished job at sidebar width, on two short lines. */
  export function CompactRow(props: {
    job: ISlurmHistoryJob;
    history: ISlurmHistory;
    trans: TranslationBundle;
  }): JSX.Element {
    const { job, trans } = props;
    const cell = cells(job, props.history, trans);
    return (
      <li
        className="jp-hpc-SlurmHistory-job jp-hpc-SlurmCompact-job"
        data-job-id={job.id}
      >
        <span className="jp-hpc-SlurmJob-id">{job.id}</span>
        <span className="jp-hpc-SlurmJob-name" title={job.name}>
          {job.name}
        </span>
        <State state={job.state} />
        <span className="jp-hpc-SlurmCompact-line">
          <span className="jp-hpc-SlurmHistory-elapsed">{cell.elapsed}</span>
          {cell.efficiency && (
            <span
              className={`jp-hpc-SlurmHistory-efficiency${cell.low ? ' jp-mod-warn' : ''}`}
              title={cell.efficiencyTitle}
            >
              {trans.__('CPU %1', cell.efficiency)}
            </span>
          )}
          {cell.memory && (
            <span className="jp-hpc-SlurmHistory-memory">{cell.memory}</span>
          )}
          <span className="jp-hpc-SlurmHistory-energy" title={cell.energyTitle}>
            {cell.energy}
          </span>
        </span>
      </li>
    );
  }
}

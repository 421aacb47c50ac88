import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISlurmPartition } from '../../api/types';
import { formatTime } from './script';

/** A labelled one-line input with its error next to it. */
export function Field(props: {
  id: string;
  label: string;
  value: string;
  error?: string;
  placeholder?: string;
  onChange(value: string): void;
}): JSX.Element {
  const id = props.id;
  return (
    <div className="jp-hpc-NewJob-field">
      <label className="jp-hpc-NewJob-label" htmlFor={id}>
        {props.label}
      </label>
      <input
        id={id}
        className={`jp-hpc-NewJob-input${props.error ? ' jp-mod-invalid' : ''}`}
        type="text"
        value={props.value}
        placeholder={props.placeholder}
        spellCheck={false}
        aria-invalid={!!props.error}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={event => props.onChange(event.target.value)}
      />
      {props.error && (
        <span id={`${id}-error`} className="jp-hpc-NewJob-error">
          {props.error}
        </span>
      )}
    </div>
  );
}

/** A labelled choice among the cluster's values, or none. */
export function Choice(props: {
  id: string;
  label: string;
  value: string;
  choices: string[];
  none: string;
  onChange(value: string): void;
}): JSX.Element {
  const id = props.id;
  return (
    <div className="jp-hpc-NewJob-field">
      <label className="jp-hpc-NewJob-label" htmlFor={id}>
        {props.label}
      </label>
      <select
        id={id}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      >
        <option value="">{props.none}</option>
        {props.choices.map(choice => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    </div>
  );
}

/** What the partition allows, in one line under its choice. */
export function Limits(props: {
  id: string;
  partition: ISlurmPartition;
  trans: TranslationBundle;
}): JSX.Element {
  const { partition: p, trans } = props;
  const parts = [
    trans.__(
      'max time %1',
      p.max_time_s === null ? trans.__('unlimited') : formatTime(p.max_time_s)
    ),
    trans.__('nodes %1', Math.min(p.nodes, p.max_nodes ?? p.nodes)),
    trans.__('CPUs/node %1', p.cpus_per_node),
    trans.__('memory/node %1', `${p.memory_per_node_mb}M`),
    trans.__('GPUs/node %1', p.gpus_per_node)
  ];
  if (p.state !== 'up') {
    parts.unshift(trans.__('state %1', p.state));
  }
  return (
    <p
      id={props.id}
      className={`jp-hpc-NewJob-limits${p.state === 'up' ? '' : ' jp-mod-warn'}`}
    >
      {trans.__('Limits: %1', parts.join(' · '))}
    </p>
  );
}

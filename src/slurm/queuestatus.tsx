import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { formatAge } from './format';
import { ISlurmQueueModel } from './tokens';

/** Loading, the request's error, the server's stale warning, or the age. */
export function QueueStatus(props: {
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

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ISlurmPartition } from '../../api/types';
import { formatTime, OptionKey, templateParams } from './script';
import { Choice, Field, Limits } from './fields';
import { NewJobModel } from './model';

/** What the view's buttons do (the widget asks and notifies). */
export interface INewJobActions {
  submit(): void;
  saveAs(): void;
  saveTemplate(): void;
  removeTemplate(name: string): void;
}

/** The New job form: the fields, the preview and the buttons. */
export function NewJobView(props: {
  model: NewJobModel;
  trans: TranslationBundle;
  actions: INewJobActions;
}): JSX.Element {
  const { model, trans, actions } = props;
  React.useSyncExternalStore(model.subscribe, model.version);
  // Ids unique to this form: two forms may be open at once.
  const uid = `jp-hpc-NewJob${React.useId().replace(/:/g, '')}`;
  const errors = model.errors;
  // A field for each {{key}} of the body that is not one of the form's.
  const params = templateParams(model.values.body);
  const cluster = model.cluster;
  const partition = model.partition;
  const userTemplate = model.template.startsWith('user:')
    ? model.template.slice(5)
    : null;

  /** A one-line field of an `#SBATCH` option. */
  const option = (key: OptionKey, label: string, placeholder = '') => (
    <Field
      id={`${uid}-${key}`}
      label={label}
      error={errors[key]}
      value={model.values.options[key]}
      placeholder={placeholder}
      onChange={value => model.setOption(key, value)}
    />
  );

  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    actions.submit();
  };

  return (
    <form className="jp-hpc-NewJob" onSubmit={onSubmit} noValidate>
      <div className="jp-hpc-NewJob-fields">
        <h2 className="jp-hpc-NewJob-title">{trans.__('New Slurm job')}</h2>
        {model.loadError && (
          <p className="jp-hpc-NewJob-loadError" role="alert">
            {trans.__('Could not read the cluster: %1', model.loadError)}
          </p>
        )}
        <div className="jp-hpc-NewJob-row">
          <div className="jp-hpc-NewJob-field">
            <label className="jp-hpc-NewJob-label" htmlFor={`${uid}-template`}>
              {trans.__('Template')}
            </label>
            <select
              id={`${uid}-template`}
              className="jp-hpc-NewJob-template"
              value={model.template}
              onChange={event => model.chooseTemplate(event.target.value)}
            >
              <option value="">{trans.__('None: write the script')}</option>
              {model.adminTemplates.length > 0 && (
                <optgroup label={trans.__('From the centre')}>
                  {model.adminTemplates.map(t => (
                    <option key={t.name} value={`admin:${t.name}`}>
                      {t.name}
                    </option>
                  ))}
                </optgroup>
              )}
              {model.userTemplates.length > 0 && (
                <optgroup label={trans.__('Mine')}>
                  {model.userTemplates.map(t => (
                    <option key={t.name} value={`user:${t.name}`}>
                      {t.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </div>
          <button
            type="button"
            className="jp-mod-styled jp-hpc-NewJob-saveTemplate"
            onClick={() => actions.saveTemplate()}
          >
            {trans.__('Save as template…')}
          </button>
          {userTemplate !== null && (
            <button
              type="button"
              className="jp-mod-styled jp-hpc-NewJob-removeTemplate"
              onClick={() => actions.removeTemplate(userTemplate)}
            >
              {trans.__('Delete template')}
            </button>
          )}
        </div>
        {model.findTemplate(model.template)?.description && (
          <p className="jp-hpc-NewJob-hint">
            {model.findTemplate(model.template)?.description}
          </p>
        )}

        <div className="jp-hpc-NewJob-field">
          <label className="jp-hpc-NewJob-label" htmlFor={`${uid}-partition`}>
            {trans.__('Partition')}
          </label>
          <select
            id={`${uid}-partition`}
            className="jp-hpc-NewJob-partition"
            value={model.values.options.partition}
            aria-describedby={`${uid}-limits`}
            onChange={event => model.setOption('partition', event.target.value)}
          >
            {(cluster?.partitions ?? []).map(p => (
              <option key={p.name} value={p.name}>
                {p.default ? trans.__('%1 (default)', p.name) : p.name}
              </option>
            ))}
          </select>
        </div>
        {partition && (
          <Limits id={`${uid}-limits`} partition={partition} trans={trans} />
        )}

        <div className="jp-hpc-NewJob-grid">
          {option('time', trans.__('Time limit'), limitHint(partition))}
          {option('nodes', trans.__('Nodes'), '1')}
          {option('ntasks', trans.__('Tasks'), '1')}
          {option('cpus_per_task', trans.__('CPUs per task'), '1')}
          {option('mem', trans.__('Memory per node'), '4G')}
          {model.offersGpus && option('gpus', trans.__('GPUs'), '0')}
          {!!cluster?.accounts.length && (
            <Choice
              id={`${uid}-account`}
              label={trans.__('Account')}
              value={model.values.options.account}
              choices={cluster.accounts}
              none={trans.__('Default')}
              onChange={value => model.setOption('account', value)}
            />
          )}
          {!!cluster?.qos.length && (
            <Choice
              id={`${uid}-qos`}
              label={trans.__('QoS')}
              value={model.values.options.qos}
              choices={cluster.qos}
              none={trans.__('Default')}
              onChange={value => model.setOption('qos', value)}
            />
          )}
        </div>
        {option('job_name', trans.__('Job name'))}
        {option('output', trans.__('Output file'), 'slurm-%j.out')}
        <Field
          id={`${uid}-cwd`}
          label={trans.__('Working folder (from the server root)')}
          error={errors.cwd}
          value={model.values.cwd}
          placeholder={trans.__('(the server root)')}
          onChange={value => model.setCwd(value)}
        />

        {params.length > 0 && (
          <fieldset className="jp-hpc-NewJob-params">
            <legend>{trans.__('Template values')}</legend>
            {params.map(key => (
              <Field
                key={key}
                id={`${uid}-param-${key}`}
                label={key}
                error={errors[`param:${key}`]}
                value={model.values.params[key] ?? ''}
                onChange={next => model.setParam(key, next)}
              />
            ))}
          </fieldset>
        )}

        <div className="jp-hpc-NewJob-field">
          <label className="jp-hpc-NewJob-label" htmlFor={`${uid}-body`}>
            {trans.__(
              'Script (after the #SBATCH lines; {{key}} takes a value)'
            )}
          </label>
          <textarea
            id={`${uid}-body`}
            className="jp-hpc-NewJob-body"
            rows={10}
            spellCheck={false}
            value={model.values.body}
            aria-invalid={!!errors.body}
            aria-describedby={errors.body ? `${uid}-body-error` : undefined}
            onChange={event => model.setBody(event.target.value)}
          />
          {errors.body && (
            <span id={`${uid}-body-error`} className="jp-hpc-NewJob-error">
              {errors.body}
            </span>
          )}
        </div>
      </div>

      <div className="jp-hpc-NewJob-side">
        <span className="jp-hpc-NewJob-label" id={`${uid}-preview-label`}>
          {trans.__('Batch script')}
        </span>
        <pre
          className="jp-hpc-NewJob-preview"
          aria-labelledby={`${uid}-preview-label`}
          tabIndex={0}
        >
          {model.script}
        </pre>
        {model.error && (
          <pre className="jp-hpc-NewJob-submitError" role="alert">
            {model.error}
          </pre>
        )}
        {model.submitted && !model.error && (
          <p className="jp-hpc-NewJob-submitted" role="status">
            {model.submitted.message ||
              trans.__('Submitted batch job %1', model.submitted.id)}
          </p>
        )}
        {!model.busy && Object.keys(errors).length > 0 && (
          <p className="jp-hpc-NewJob-hint">
            {trans.__('Correct the flagged fields to submit.')}
          </p>
        )}
        <div className="jp-hpc-NewJob-buttons">
          <button
            type="submit"
            className="jp-mod-styled jp-mod-accept jp-hpc-NewJob-submit"
            disabled={!model.canSubmit}
            aria-busy={model.busy === 'submit'}
          >
            {model.busy === 'submit'
              ? trans.__('Submitting…')
              : trans.__('Submit')}
          </button>
          <button
            type="button"
            className="jp-mod-styled jp-hpc-NewJob-saveAs"
            disabled={model.busy !== null || !model.values.body.trim()}
            onClick={() => actions.saveAs()}
          >
            {model.busy === 'save' ? trans.__('Saving…') : trans.__('Save as…')}
          </button>
        </div>
      </div>
    </form>
  );

  /** The partition's time limit as the time field's placeholder. */
  function limitHint(p: ISlurmPartition | null): string {
    const time = p?.default_time_s ?? null;
    return time === null ? '01:00:00' : formatTime(time);
  }
}

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IAppInstance, IAppSpec } from '../api/types';
import { EnvRows, validEnvName } from './envrows';
import { stateLabel } from './format';
import { DocsLink, FormError, FormWidget, useFormState } from './formwidget';
import { IAppMemory, ILaunchValues } from './memory';
import { appModules, chosenModules, ModuleFields } from './modulefields';
import { RunningAppsModel } from './model';

/**
 * The body of the launch dialog: endpoint, module versions, arguments,
 * variables.
 *
 * Each endpoint keeps its own values: switching shows that endpoint's last
 * launch (or, for a running one without a remembered launch, its arguments),
 * and what was typed for another endpoint stays there until Launch. Until
 * the user picks one, the endpoint is the last one launched, else the first
 * the server knows no instance of.
 */
export class LaunchForm extends FormWidget<LaunchForm.IValue> {
  constructor(options: LaunchForm.IOptions) {
    super();
    this.addClass('jp-hpc-LaunchForm');
    this._app = options.app;
    this._model = options.model;
    this._memory = options.memory;
    this._trans = options.trans;
    const last = options.memory.last;
    this._picked = last !== null && last < this._app.endpoints;
    this._endpoint = this._picked ? (last as number) : this.firstFree();
    this._model.stateChanged.connect(this._onModel, this);
  }

  /** The app to launch. */
  get app(): IAppSpec {
    return this._app;
  }

  /** The instances of the server, to mark the endpoints. */
  get model(): RunningAppsModel {
    return this._model;
  }

  /** The endpoint chosen. */
  get endpoint(): number {
    return this._endpoint;
  }
  set endpoint(value: number) {
    this._picked = true;
    if (value !== this._endpoint && value >= 0 && value < this._app.endpoints) {
      this._endpoint = value;
      this.error = null;
    }
  }

  /** The values shown: those typed, else remembered, else the instance's. */
  get values(): ILaunchValues {
    const draft = this._drafts.get(this._endpoint);
    if (draft) {
      return draft;
    }
    const remembered = this._memory.endpoints[String(this._endpoint)];
    if (remembered) {
      return remembered;
    }
    const instance = this._model.find(this._app.name, this._endpoint);
    return {
      args: instance?.args ?? '',
      env: [],
      modules: instance?.modules ?? []
    };
  }

  /** The version of each module the app loads, as shown and sent. */
  get modules(): string[] {
    return chosenModules(appModules(this._app), this.values.modules);
  }

  /** Choose the version of the app's `index`-th module. */
  chooseModule(index: number, module: string): void {
    this.updateValues(old => {
      const modules = chosenModules(appModules(this._app), old.modules);
      modules[index] = module;
      return { ...old, modules };
    });
  }

  /** Change the values of the endpoint shown, from the latest ones. */
  updateValues(change: (values: ILaunchValues) => ILaunchValues): void {
    this._drafts.set(this._endpoint, change(this.values));
    this.changed();
  }

  /**
   * The endpoint and values to launch, rows without a name left out, a
   * version of each module the app loads.
   */
  getValue(): LaunchForm.IValue {
    const values = this.values;
    return {
      endpoint: this._endpoint,
      values: {
        args: values.args,
        env: values.env.filter(row => row.name.trim() || row.value),
        modules: this.modules
      }
    };
  }

  /** Why the values cannot be sent, or null. */
  validate(): string | null {
    const bad = this.getValue().values.env.find(
      row => !validEnvName(row.name.trim())
    );
    if (bad) {
      return bad.name.trim()
        ? this._trans.__(
            '"%1" is not a variable name: use letters, digits and _, not starting with a digit.',
            bad.name
          )
        : this._trans.__('A variable with a value has no name.');
    }
    return null;
  }

  /** The first endpoint the server knows no instance of. */
  firstFree(): number {
    for (let endpoint = 0; endpoint < this._app.endpoints; endpoint++) {
      if (!this._model.find(this._app.name, endpoint)) {
        return endpoint;
      }
    }
    return 0;
  }

  protected render(): JSX.Element {
    return <LaunchFormView form={this} trans={this._trans} />;
  }

  private _onModel(): void {
    if (!this._picked) {
      this._endpoint = this.firstFree();
    }
    this.changed();
  }

  private _app: IAppSpec;
  private _model: RunningAppsModel;
  private _memory: IAppMemory;
  private _trans: TranslationBundle;
  private _endpoint: number;
  private _picked: boolean;
  private _drafts = new Map<number, ILaunchValues>();
}

/** A namespace for `LaunchForm` statics. */
export namespace LaunchForm {
  /** The options of the form. */
  export interface IOptions {
    app: IAppSpec;
    /** The instances, to mark running endpoints. */
    model: RunningAppsModel;
    /** The app's remembered launches. */
    memory: IAppMemory;
    trans: TranslationBundle;
  }

  /** What to launch. */
  export interface IValue {
    endpoint: number;
    values: ILaunchValues;
  }
}

/** The form's view, redrawn with the form's state. */
function LaunchFormView(props: {
  form: LaunchForm;
  trans: TranslationBundle;
}): JSX.Element {
  const { form, trans } = props;
  useFormState(form);
  const { app, values } = form;
  const slots = appModules(app);
  const instance = form.model.find(app.name, form.endpoint);
  const argsId = `jp-hpc-LaunchForm-args-${app.name}`;
  return (
    <div className="jp-hpc-LaunchDialog-form" data-app={app.name}>
      {app.args_hint && (
        <p className="jp-hpc-LaunchDialog-hint">{app.args_hint}</p>
      )}
      {app.endpoints > 1 && (
        <EndpointSelector
          app={app}
          endpoint={form.endpoint}
          instances={form.model.instances}
          trans={trans}
          onChange={endpoint => (form.endpoint = endpoint)}
        />
      )}
      {instance && (
        <p className="jp-hpc-LaunchDialog-status" data-state={instance.state}>
          {Private.describe(instance, trans)}
        </p>
      )}
      {slots.length > 0 && (
        <ModuleFields
          app={app.name}
          slots={slots}
          chosen={form.modules}
          disabled={form.busy}
          trans={trans}
          onChange={(index, module) => form.chooseModule(index, module)}
        />
      )}
      <label className="jp-hpc-LaunchDialog-label" htmlFor={argsId}>
        {trans.__('Arguments')}
      </label>
      <input
        id={argsId}
        className="jp-hpc-LaunchDialog-args jp-mod-styled"
        type="text"
        value={values.args}
        spellCheck={false}
        autoComplete="off"
        placeholder={trans.__('as in a shell: --option value "with spaces"')}
        disabled={form.busy}
        onChange={event => {
          const args = event.target.value;
          form.updateValues(old => ({ ...old, args }));
        }}
      />
      <EnvRows
        rows={values.env}
        disabled={form.busy}
        trans={trans}
        onChange={change =>
          form.updateValues(old => ({ ...old, env: change(old.env) }))
        }
      />
      {form.busy && (
        <p className="jp-hpc-LaunchDialog-busy" role="status">
          {trans.__('Asking the server…')}
        </p>
      )}
      <FormError error={form.error} />
      <DocsLink url={app.docs_url} title={app.title} trans={trans} />
    </div>
  );
}

/** Endpoints 0…N-1 as radio buttons, each marked with its instance's state. */
function EndpointSelector(props: {
  app: IAppSpec;
  endpoint: number;
  instances: readonly IAppInstance[];
  trans: TranslationBundle;
  onChange(endpoint: number): void;
}): JSX.Element {
  const { app, trans } = props;
  const endpoints = Array.from({ length: app.endpoints }, (_, i) => i);
  return (
    <fieldset className="jp-hpc-LaunchDialog-endpoints">
      <legend>{trans.__('Endpoint')}</legend>
      {endpoints.map(endpoint => {
        const instance = props.instances.find(
          i => i.name === app.name && i.endpoint === endpoint
        );
        const state = instance?.state;
        return (
          <label
            key={endpoint}
            className={`jp-hpc-LaunchDialog-endpoint${state ? ` jp-mod-${state}` : ''}`}
            data-endpoint={endpoint}
            data-state={state ?? 'free'}
          >
            <input
              type="radio"
              name={`jp-hpc-endpoint-${app.name}`}
              value={endpoint}
              checked={endpoint === props.endpoint}
              onChange={() => props.onChange(endpoint)}
            />
            <span className="jp-hpc-LaunchDialog-endpointNumber">
              {endpoint}
            </span>
            {state && (
              <span className="jp-hpc-LaunchDialog-endpointState">
                {stateLabel(state, trans)}
              </span>
            )}
          </label>
        );
      })}
    </fieldset>
  );
}

namespace Private {
  /** What launching on an endpoint with an instance will do. */
  export function describe(
    instance: IAppInstance,
    trans: TranslationBundle
  ): string {
    const args = instance.args || trans.__('no arguments');
    const modules = instance.modules ?? [];
    switch (instance.state) {
      case 'running':
      case 'starting':
        if (modules.length) {
          return trans.__(
            'This endpoint is %1 with: %2, in the modules %3. Launching the same arguments, variables and modules again opens it; a change restarts it.',
            stateLabel(instance.state, trans),
            args,
            modules.join(', ')
          );
        }
        return trans.__(
          'This endpoint is %1 with: %2. Launching the same arguments and variables again opens it; a change restarts it.',
          stateLabel(instance.state, trans),
          args
        );
      case 'stopping':
        return trans.__('This endpoint is stopping.');
      default:
        return instance.message
          ? trans.__('The last launch here ended: %1', instance.message)
          : trans.__('The last launch here ended.');
    }
  }
}

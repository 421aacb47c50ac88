import { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IAppModule } from '../api/types';

/** The modules an app loads (none from a server that predates them). */
export function appModules(app: { modules?: IAppModule[] }): IAppModule[] {
  return app.modules ?? [];
}

/**
 * The version to load of each module an app loads, in the configured order:
 * the chosen one when it is still a version of that module, else the
 * configured one (a version removed from the tree falls back).
 */
export function chosenModules(
  slots: readonly IAppModule[],
  chosen: readonly string[]
): string[] {
  return slots.map((slot, index) => {
    const versions = moduleVersions(slot);
    if (versions.includes(chosen[index])) {
      return chosen[index];
    }
    return chosen.find(module => versions.includes(module)) ?? slot.module;
  });
}

/** The versions offered for a module: those that exist, and the configured one. */
export function moduleVersions(slot: IAppModule): string[] {
  return slot.versions.includes(slot.module)
    ? slot.versions
    : [...slot.versions, slot.module];
}

/** The name of a module without its version: `tensorboard` of `tensorboard/2.18`. */
export function moduleName(module: string): string {
  const slash = module.lastIndexOf('/');
  return slash > 0 ? module.slice(0, slash) : module;
}

/**
 * The "Modules" section of the launch dialog: one labelled select per
 * module the app loads, listing its versions, the configured one marked.
 */
export function ModuleFields(props: {
  /** The app's name, for unique ids. */
  app: string;
  slots: readonly IAppModule[];
  /** The version chosen of each slot (see `chosenModules`). */
  chosen: readonly string[];
  disabled: boolean;
  trans: TranslationBundle;
  onChange(index: number, module: string): void;
}): JSX.Element {
  const { trans } = props;
  return (
    <fieldset className="jp-hpc-LaunchDialog-modules">
      <legend>{trans.__('Modules')}</legend>
      <p className="jp-hpc-LaunchDialog-modulesHint">
        {trans.__(
          'Loaded before it starts, with the modules you loaded in JupyterLab.'
        )}
      </p>
      {props.slots.map((slot, index) => {
        const id = `jp-hpc-LaunchForm-module-${props.app}-${index}`;
        return (
          <div
            key={slot.module}
            className="jp-hpc-LaunchDialog-module"
            data-module={slot.module}
          >
            <label className="jp-hpc-LaunchDialog-moduleName" htmlFor={id}>
              {moduleName(slot.module)}
            </label>
            <HTMLSelect
              id={id}
              className="jp-hpc-LaunchDialog-moduleVersion"
              value={props.chosen[index]}
              disabled={props.disabled}
              onChange={event => props.onChange(index, event.target.value)}
              options={moduleVersions(slot).map(version => ({
                value: version,
                label:
                  version === slot.module
                    ? trans.__('%1 (default)', version)
                    : version
              }))}
            />
          </div>
        );
      })}
    </fieldset>
  );
}

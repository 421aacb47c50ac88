import { IStateDB } from '@jupyterlab/statedb';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { ISlurmTemplate } from '../../api/types';

/** The state database key of the user's own templates. */
export const TEMPLATES_KEY = 'jupyterlab-hpc:slurm-new-job:templates';

/**
 * The user's own New job templates, shaped like the admin's
 * (`ISlurmTemplate`), kept in JupyterLab's state database: with the
 * workspace, on the server, where the form of any tab finds them.
 */
export class UserTemplates {
  constructor(options: UserTemplates.IOptions = {}) {
    this._state = options.state ?? null;
  }

  /** The saved templates, by name; none when nothing (valid) was saved. */
  async load(): Promise<ISlurmTemplate[]> {
    if (this._state) {
      try {
        this._templates = Private.validate(
          await this._state.fetch(TEMPLATES_KEY)
        );
      } catch (reason) {
        console.warn(
          'jupyterlab-hpc: cannot read the saved job templates',
          reason
        );
      }
    }
    return [...this._templates];
  }

  /** Save a template, replacing the one of the same name. */
  async save(template: ISlurmTemplate): Promise<ISlurmTemplate[]> {
    const others = this._templates.filter(t => t.name !== template.name);
    return this._write(
      [...others, template].sort((a, b) => a.name.localeCompare(b.name))
    );
  }

  /** Forget the template of that name. */
  async remove(name: string): Promise<ISlurmTemplate[]> {
    return this._write(this._templates.filter(t => t.name !== name));
  }

  private async _write(templates: ISlurmTemplate[]): Promise<ISlurmTemplate[]> {
    this._templates = templates;
    // Without a state database they last as long as the page.
    await this._state?.save(TEMPLATES_KEY, {
      templates
    } as unknown as ReadonlyPartialJSONObject);
    return [...templates];
  }

  private _state: IStateDB | null;
  private _templates: ISlurmTemplate[] = [];
}

/** A namespace for `UserTemplates` statics. */
export namespace UserTemplates {
  /** The options of the store. */
  export interface IOptions {
    /** JupyterLab's state database, if there is one. */
    state?: IStateDB | null;
  }
}

namespace Private {
  /** What was saved, as templates, whatever an older version left there. */
  export function validate(saved: unknown): ISlurmTemplate[] {
    const list = (saved as { templates?: unknown } | undefined)?.templates;
    if (!Array.isArray(list)) {
      return [];
    }
    return list
      .filter(
        (t): t is ISlurmTemplate =>
          !!t && typeof t.name === 'string' && typeof t.script === 'string'
      )
      .map(t => {
        const defaults: { [key: string]: string } = {};
        Object.entries(t.defaults ?? {}).forEach(([key, value]) => {
          if (typeof value === 'string') {
            defaults[key] = value;
          }
        });
        return {
          name: t.name,
          description: typeof t.description === 'string' ? t.description : '',
          script: t.script,
          defaults
        };
      });
  }
}

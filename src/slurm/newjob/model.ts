import { PathExt } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { IHPCClient } from '../../api/client';
import {
  ISlurmPartition,
  ISlurmPartitions,
  ISlurmSubmitResult,
  ISlurmTemplate
} from '../../api/types';
import {
  emptyValues,
  FieldErrors,
  hasControl,
  IMessages,
  INewJobValues,
  OPTION_KEYS,
  OptionKey,
  renderScript,
  templateParams,
  validate
} from './script';
import { UserTemplates } from './store';

/**
 * The state of the New job form: the cluster's partitions and templates,
 * the values typed, and what a submission or a save is doing. The view
 * only draws it, so that the tests can drive the form without a browser.
 */
export class NewJobModel {
  constructor(options: NewJobModel.IOptions) {
    this._client = options.client;
    this._trans = options.trans;
    this._store = options.store;
    this._values = emptyValues();
    this._values.cwd = options.cwd ?? '';
  }

  /** Emitted on every change of the state. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** A number that changes with the state (for React). */
  readonly version = (): number => this._version;

  /** Call `callback` on every change; the result stops that (for React). */
  readonly subscribe = (callback: () => void): (() => void) => {
    this._changed.connect(callback);
    return () => this._changed.disconnect(callback);
  };

  /** Partitions, accounts and QoS; null until read (or when that failed). */
  get cluster(): ISlurmPartitions | null {
    return this._cluster;
  }

  /** Why the partitions or templates could not be read, or null. */
  get loadError(): string | null {
    return this._loadError;
  }

  /** The admin's templates. */
  get adminTemplates(): readonly ISlurmTemplate[] {
    return this._admin;
  }

  /** The user's own saved templates. */
  get userTemplates(): readonly ISlurmTemplate[] {
    return this._user;
  }

  /** The template chosen: `admin:<name>`, `user:<name>` or '' (none). */
  get template(): string {
    return this._template;
  }

  /** The values as typed. */
  get values(): INewJobValues {
    return this._values;
  }

  /** The partition chosen (the cluster's default one until then). */
  get partition(): ISlurmPartition | null {
    const partitions = this._cluster?.partitions ?? [];
    return (
      partitions.find(p => p.name === this._values.options.partition) ?? null
    );
  }

  /** Whether the GPUs field is offered: the partition has GPUs. */
  get offersGpus(): boolean {
    return (this.partition?.gpus_per_node ?? 0) > 0;
  }

  /** The values submitted: without those the cluster does not offer. */
  get effectiveValues(): INewJobValues {
    const options = { ...this._values.options };
    if (!this.offersGpus) {
      options.gpus = '';
    }
    if (!this._cluster?.accounts.length) {
      options.account = '';
    }
    if (!this._cluster?.qos.length) {
      options.qos = '';
    }
    return { ...this._values, options };
  }

  /** The batch script the values make, as previewed and submitted. */
  get script(): string {
    return renderScript(this.effectiveValues);
  }

  /** Why each field cannot be submitted, by field; `{}` when all can. */
  get errors(): FieldErrors {
    const errors = validate(
      this.effectiveValues,
      this.partition,
      this._messages
    );
    if (!this._values.body.trim()) {
      errors.body = this._trans.__('Write the commands the job runs.');
    }
    return errors;
  }

  /** Whether Submit can be pressed now. */
  get canSubmit(): boolean {
    return !this._busy && Object.keys(this.errors).length === 0;
  }

  /** What runs now: a submission, a save, or nothing. */
  get busy(): 'submit' | 'save' | null {
    return this._busy;
  }

  /** sbatch's (or the server's) refusal, verbatim, or null. */
  get error(): string | null {
    return this._error;
  }

  /** The last job submitted from this form, or null. */
  get submitted(): ISlurmSubmitResult | null {
    return this._submitted;
  }

  /** Read the partitions, the admin's and the user's templates. */
  async load(): Promise<void> {
    const [cluster, admin, user] = await Promise.all([
      Private.settle(this._client.slurmPartitions()),
      Private.settle(this._client.slurmTemplates()),
      Private.settle(this._store.load())
    ]);
    const problems: string[] = [];
    if (cluster.status === 'fulfilled') {
      this._cluster = cluster.value;
      const options = this._values.options;
      const byDefault =
        cluster.value.partitions.find(p => p.default) ??
        cluster.value.partitions[0];
      options.partition = options.partition || (byDefault?.name ?? '');
      options.account =
        options.account || (cluster.value.default_account ?? '');
    } else {
      problems.push(Private.message(cluster.reason));
    }
    if (admin.status === 'fulfilled') {
      this._admin = admin.value.templates;
    } else {
      problems.push(Private.message(admin.reason));
    }
    if (user.status === 'fulfilled') {
      this._user = user.value;
    }
    this._loadError = problems.length ? problems.join('\n') : null;
    this._emit();
  }

  /** Change one `#SBATCH` field. */
  setOption(key: OptionKey, value: string): void {
    this._values = {
      ...this._values,
      options: { ...this._values.options, [key]: value }
    };
    this._emit();
  }

  /** Change one of the template's own placeholders. */
  setParam(key: string, value: string): void {
    this._values = {
      ...this._values,
      params: { ...this._values.params, [key]: value }
    };
    this._emit();
  }

  /** Change the script body. */
  setBody(body: string): void {
    this._values = { ...this._values, body };
    this._emit();
  }

  /** Change the folder the job starts in. */
  setCwd(cwd: string): void {
    this._values = { ...this._values, cwd };
    this._emit();
  }

  /**
   * Start from a template (`admin:<name>` or `user:<name>`): its body, and
   * its defaults in the fields they name; the other fields keep their value.
   */
  chooseTemplate(key: string): void {
    this._template = key;
    const template = this.findTemplate(key);
    if (template) {
      const options = { ...this._values.options };
      const params: { [key: string]: string } = {};
      templateParams(template.script).forEach(name => (params[name] = ''));
      Object.entries(template.defaults).forEach(([name, value]) => {
        if ((OPTION_KEYS as readonly string[]).includes(name)) {
          options[name as OptionKey] = value;
        } else {
          params[name] = value;
        }
      });
      if (!options.job_name && key.startsWith('admin:')) {
        options.job_name = template.name;
      }
      this._values = {
        ...this._values,
        options,
        params,
        body: template.script
      };
    }
    this._emit();
  }

  /** The template of a key, or null. */
  findTemplate(key: string): ISlurmTemplate | null {
    const [kind, ...rest] = key.split(':');
    const name = rest.join(':');
    const list =
      kind === 'admin' ? this._admin : kind === 'user' ? this._user : [];
    return list.find(t => t.name === name) ?? null;
  }

  /** Save the form as the user's template `name` (replacing one so named). */
  async saveTemplate(name: string): Promise<void> {
    const defaults: { [key: string]: string } = {};
    OPTION_KEYS.forEach(key => {
      if (this._values.options[key].trim()) {
        defaults[key] = this._values.options[key].trim();
      }
    });
    Object.entries(this._values.params).forEach(([key, value]) => {
      defaults[key] = value;
    });
    this._user = await this._store.save({
      name,
      description: '',
      script: this._values.body,
      defaults
    });
    this._template = `user:${name}`;
    this._emit();
  }

  /** Forget the user's template `name`. */
  async removeTemplate(name: string): Promise<void> {
    this._user = await this._store.remove(name);
    if (this._template === `user:${name}`) {
      this._template = '';
    }
    this._emit();
  }

  /**
   * sbatch the previewed script in the chosen folder. Resolves with the job,
   * or null when refused: then `error` holds sbatch's message verbatim.
   */
  async submit(): Promise<ISlurmSubmitResult | null> {
    if (!this.canSubmit) {
      return null;
    }
    this._busy = 'submit';
    this._error = null;
    this._emit();
    try {
      const script = this.script;
      const result = await this._client.submitJob({
        script,
        cwd: this._values.cwd
      });
      this._submitted = result;
      return result;
    } catch (reason) {
      this._error = Private.message(reason);
      return null;
    } finally {
      this._busy = null;
      this._emit();
    }
  }

  /** The path `Save as` writes for a file name typed by the user, or null. */
  savePath(name: string): string | null {
    const trimmed = name.trim();
    if (!trimmed || hasControl(trimmed) || /[/\\]/.test(trimmed)) {
      return null;
    }
    const file = trimmed.endsWith('.sbatch') ? trimmed : `${trimmed}.sbatch`;
    return PathExt.join(this._values.cwd, file);
  }

  /** Run a save of the script (`write`), showing its progress and error. */
  async save(write: (script: string) => Promise<void>): Promise<boolean> {
    this._busy = 'save';
    this._error = null;
    this._emit();
    try {
      await write(this.script);
      return true;
    } catch (reason) {
      this._error = Private.message(reason);
      return false;
    } finally {
      this._busy = null;
      this._emit();
    }
  }

  /** Drop the state's listeners. */
  dispose(): void {
    Signal.clearData(this);
  }

  private _emit(): void {
    this._version++;
    this._changed.emit();
  }

  private get _messages(): IMessages {
    const trans = this._trans;
    return {
      control: trans.__('Only one line: no newline or control character.'),
      count: trans.__('A whole number, 1 or more.'),
      time: trans.__(
        'A time such as 01:30:00 or 2-00:00:00 (days-hours:minutes:seconds).'
      ),
      mem: trans.__('A size such as 4G or 500M.'),
      above: max =>
        trans.__('More than the partition allows (at most %1).', max),
      placeholder: key =>
        trans.__('The script uses {{%1}}: give it a value.', key)
    };
  }

  private _client: IHPCClient;
  private _trans: TranslationBundle;
  private _store: UserTemplates;
  private _cluster: ISlurmPartitions | null = null;
  private _loadError: string | null = null;
  private _admin: ISlurmTemplate[] = [];
  private _user: ISlurmTemplate[] = [];
  private _template = '';
  private _values: INewJobValues;
  private _busy: 'submit' | 'save' | null = null;
  private _error: string | null = null;
  private _submitted: ISlurmSubmitResult | null = null;
  private _version = 0;
  private _changed = new Signal<this, void>(this);
}

/** A namespace for `NewJobModel` statics. */
export namespace NewJobModel {
  /** The options of the model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** The user's own templates. */
    store: UserTemplates;
    /** The folder the job starts in at first, relative to the server root. */
    cwd?: string;
  }
}

namespace Private {
  /** A promise's outcome, whichever it is (`Promise.allSettled` is ES2020). */
  export type Settled<T> =
    { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown };

  /** Resolve with the outcome of `promise`. */
  export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
    return promise.then(
      (value): Settled<T> => ({ status: 'fulfilled', value }),
      (reason): Settled<T> => ({ status: 'rejected', reason })
    );
  }

  /** The text of an error: the server's message as it sent it. */
  export function message(reason: unknown): string {
    return reason instanceof Error ? reason.message : String(reason);
  }
}

import {
  Dialog,
  InputDialog,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { Contents } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { UUID } from '@lumino/coreutils';
import * as React from 'react';

import { ISlurmSubmitResult } from '../../api/types';
import { slurmIcon } from '../icon';
import { NewJobModel } from './model';
import { INewJobActions, NewJobView } from './view';

/**
 * The New job form's content: the view of a model, and what its buttons
 * do that needs JupyterLab (dialogs, notifications, the contents manager).
 */
export class NewJobWidget extends ReactWidget implements INewJobActions {
  constructor(options: NewJobWidget.IOptions) {
    super();
    this.addClass('jp-hpc-NewJobWidget');
    this.model = options.model;
    this._options = options;
  }

  /** The form's state. */
  readonly model: NewJobModel;

  /** Submit the previewed script; a notification gives the job id. */
  submit(): void {
    void this.submitJob();
  }

  /** Submit, and resolve with the job (null when refused). */
  async submitJob(): Promise<ISlurmSubmitResult | null> {
    const { trans } = this._options;
    const result = await this.model.submit();
    if (result) {
      Notification.success(
        result.message || trans.__('Submitted batch job %1', result.id),
        { autoClose: 5000 }
      );
      await this._options.onSubmitted?.(result);
    }
    return result;
  }

  /** Ask for a file name, write the script there and open it. */
  saveAs(): void {
    void this.saveScript();
  }

  /** Save as, and resolve with the path written (null when not). */
  async saveScript(): Promise<string | null> {
    const { trans, contents } = this._options;
    const name = await InputDialog.getText({
      title: trans.__('Save the batch script as'),
      label: trans.__('File name (in %1)', this.model.values.cwd || '/'),
      text: `${this.model.values.options.job_name.trim() || 'job'}.sbatch`,
      okLabel: trans.__('Save')
    });
    if (!name.button.accept || name.value === null) {
      return null;
    }
    const path = this.model.savePath(name.value);
    if (!path) {
      await showDialog({
        title: trans.__('Not a file name'),
        body: trans.__('A file name is one line, without / or \\.'),
        buttons: [Dialog.okButton({ label: trans.__('Close') })]
      });
      return null;
    }
    const exists = await contents.get(path, { content: false }).then(
      () => true,
      () => false
    );
    if (exists) {
      const answer = await showDialog({
        title: trans.__('Replace %1?', path),
        body: trans.__('%1 exists already. Replace it with this script?', path),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Replace') })
        ]
      });
      if (!answer.button.accept) {
        return null;
      }
    }
    const saved = await this.model.save(async script => {
      await contents.save(path, {
        type: 'file',
        format: 'text',
        content: script
      });
    });
    if (!saved) {
      return null;
    }
    await this._options.open(path);
    return path;
  }

  /** Ask for a name and save the form as the user's template. */
  saveTemplate(): void {
    const { trans } = this._options;
    const current = this.model.findTemplate(this.model.template);
    void InputDialog.getText({
      title: trans.__('Save as my template'),
      label: trans.__('Template name'),
      text: this.model.template.startsWith('user:')
        ? (current?.name ?? '')
        : '',
      okLabel: trans.__('Save')
    }).then(async result => {
      const name = result.value?.trim();
      if (result.button.accept && name) {
        await this.model
          .saveTemplate(name)
          .catch(reason =>
            Notification.error(
              trans.__('The template was not saved: %1', String(reason))
            )
          );
      }
    });
  }

  /** Forget one of the user's templates, after asking. */
  removeTemplate(name: string): void {
    const { trans } = this._options;
    void showDialog({
      title: trans.__('Delete the template %1?', name),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    }).then(async answer => {
      if (answer.button.accept) {
        await this.model.removeTemplate(name);
      }
    });
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <NewJobView
        model={this.model}
        trans={this._options.trans}
        actions={this}
      />
    );
  }

  private _options: NewJobWidget.IOptions;
}

/** A namespace for `NewJobWidget` statics. */
export namespace NewJobWidget {
  /** The options of the form. */
  export interface IOptions {
    /** The form's state. */
    model: NewJobModel;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** Where Save as writes. */
    contents: Contents.IManager;
    /** Open a saved script (in the editor). */
    open(path: string): void | Promise<void>;
    /** Called after a successful submission, e.g. to refresh the queue. */
    onSubmitted?(result: ISlurmSubmitResult): void | Promise<void>;
  }
}

/** The form in a main-area tab, its model loading. */
export function createNewJobTab(
  options: NewJobWidget.IOptions
): MainAreaWidget<NewJobWidget> {
  const content = new NewJobWidget(options);
  const widget = new MainAreaWidget({ content });
  widget.id = `jp-hpc-NewJob-${UUID.uuid4()}`;
  widget.title.label = options.trans.__('New Slurm Job');
  widget.title.icon = slurmIcon;
  widget.title.closable = true;
  void options.model.load();
  return widget;
}

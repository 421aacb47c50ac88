import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

/**
 * A dialog whose accept button submits its body's value and closes only
 * when the server took it; a refusal stays in the dialog, next to what the
 * user typed, so that they can fix it.
 *
 * `submit` starts in the click (or Enter) handler itself: what must run
 * with the user's gesture, such as `window.open` (popup blockers refuse it
 * after an await), runs before its first await.
 */
export class SubmitDialog<T> extends Dialog<T> {
  constructor(options: SubmitDialog.IOptions<T>) {
    super({
      title: options.title,
      body: options.body,
      buttons: [options.cancel, options.accept],
      defaultButton: 1,
      focusNodeSelector: options.focusNodeSelector
    });
    this._form = options.body;
    this._submit = options.submit;
  }

  /** Whether a submission waits for the server. */
  get submitting(): boolean {
    return this._submitting;
  }

  resolve(index?: number): void {
    if (this._submitting) {
      // One submission at a time; Cancel still closes the dialog.
      if (index === 0) {
        super.resolve(index);
      }
      return;
    }
    if ((index ?? 1) !== 1) {
      super.resolve(index);
      return;
    }
    const invalid = this._form.validate();
    if (invalid) {
      this._form.error = invalid;
      return;
    }
    this._submitting = true;
    this._form.error = null;
    this._form.busy = true;
    let pending: Promise<string | null>;
    try {
      pending = this._submit(this._form.getValue());
    } catch (error) {
      pending = Promise.resolve(Private.message(error));
    }
    void pending
      .catch(error => Private.message(error))
      .then(refusal => {
        this._submitting = false;
        if (this.isDisposed) {
          return;
        }
        this._form.busy = false;
        if (refusal === null) {
          super.resolve(1);
        } else {
          this._form.error = refusal;
        }
      });
  }

  /**
   * Enter on a button of the body (Add variable, Remove) presses it: the
   * dialog would otherwise take every Enter as "accept" or nothing.
   */
  protected _evtKeydown(event: KeyboardEvent): void {
    const active = document.activeElement;
    if (
      event.key === 'Enter' &&
      active instanceof HTMLButtonElement &&
      this._form.node.contains(active)
    ) {
      event.stopPropagation();
      event.preventDefault();
      active.click();
      return;
    }
    super._evtKeydown(event);
  }

  private _form: SubmitDialog.IForm<T>;
  private _submit: (value: T) => Promise<string | null>;
  private _submitting = false;
}

/** A namespace for `SubmitDialog` statics. */
export namespace SubmitDialog {
  /** The body of a submit dialog: a form that validates and shows errors. */
  export interface IForm<T> extends Widget {
    /** The value to submit. */
    getValue(): T;
    /** Why the value cannot be submitted, or null when it can. */
    validate(): string | null;
    /** The refusal to show (the server's message, verbatim), or null. */
    error: string | null;
    /** Whether the submission waits for the server. */
    busy: boolean;
  }

  /** The options of a submit dialog. */
  export interface IOptions<T> {
    title: string;
    body: IForm<T>;
    /** The first button; it closes the dialog. */
    cancel: Dialog.IButton;
    /** The second (and default) button; it submits. */
    accept: Dialog.IButton;
    /**
     * Send the value: null when the server took it (the dialog closes), or
     * its refusal (the dialog stays).
     */
    submit(value: T): Promise<string | null>;
    /** The element to focus first. */
    focusNodeSelector?: string;
  }
}

namespace Private {
  /** An error's message. */
  export function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }
}

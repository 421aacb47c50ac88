import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import * as React from 'react';

import { SubmitDialog } from './submitdialog';

/**
 * The body of a submit dialog whose state lives in the widget and whose
 * view reads it with `useFormState`.
 *
 * A `ReactWidget` redraws on the next animation frame, but React puts a
 * controlled input back to its drawn value at once: a keystroke that comes
 * before the redraw would be lost. A store read with
 * `useSyncExternalStore` redraws within the keystroke's own event.
 */
export abstract class FormWidget<T>
  extends ReactWidget
  implements SubmitDialog.IForm<T>
{
  abstract getValue(): T;

  abstract validate(): string | null;

  get error(): string | null {
    return this._error;
  }
  set error(value: string | null) {
    this._error = value;
    this.changed();
  }

  get busy(): boolean {
    return this._busy;
  }
  set busy(value: boolean) {
    this._busy = value;
    this.changed();
  }

  /** Call `callback` on every change; the result stops that (for React). */
  readonly subscribe = (callback: () => void): (() => void) => {
    this._changed.connect(callback);
    return () => this._changed.disconnect(callback);
  };

  /** A number that changes with the state (for React). */
  readonly version = (): number => this._version;

  dispose(): void {
    Signal.clearData(this);
    super.dispose();
  }

  /** Say that the state changed: the view redraws. */
  protected changed(): void {
    this._version++;
    this._changed.emit();
  }

  private _error: string | null = null;
  private _busy = false;
  private _version = 0;
  private _changed = new Signal<this, void>(this);
}

/** Redraw a form's view whenever its state changes. */
export function useFormState(form: FormWidget<unknown>): void {
  React.useSyncExternalStore(form.subscribe, form.version);
}

/** A form's refusal (the server's message, verbatim), scrolled into view. */
export function FormError(props: { error: string | null }): JSX.Element | null {
  const node = React.useRef<HTMLPreElement>(null);
  React.useEffect(() => {
    // The dialog body scrolls; the message comes below the fields.
    node.current?.scrollIntoView?.({ block: 'nearest' });
  }, [props.error]);
  if (!props.error) {
    return null;
  }
  return (
    <pre ref={node} className="jp-hpc-LaunchDialog-error" role="alert">
      {props.error}
    </pre>
  );
}

/** The "Documentation of X" link of a dialog; nothing without a URL. */
export function DocsLink(props: {
  url: string | null | undefined;
  title: string;
  trans: TranslationBundle;
}): JSX.Element | null {
  if (!props.url) {
    return null;
  }
  return (
    <a
      className="jp-hpc-LaunchDialog-docs"
      href={props.url}
      target="_blank"
      rel="noopener noreferrer"
    >
      {props.trans.__('Documentation of %1', props.title)}
    </a>
  );
}

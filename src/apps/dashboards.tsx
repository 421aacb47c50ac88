import { Dialog, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IHPCClient } from '../api/client';
import { IDashboardSpec } from '../api/types';
import { DocsLink, FormError, FormWidget, useFormState } from './formwidget';
import { AppOpener } from './opener';
import { SubmitDialog } from './submitdialog';

/** The port typed, as a number from 1 to 65535, or null when it is not one. */
export function parsePort(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed)) {
    return null;
  }
  const port = Number(trimmed);
  return port >= 1 && port <= 65535 ? port : null;
}

/** The body of the dashboard dialog: the port, prefilled with the default. */
export class PortForm extends FormWidget<number> {
  constructor(options: PortForm.IOptions) {
    super();
    this.addClass('jp-hpc-PortForm');
    this.dashboard = options.dashboard;
    this._trans = options.trans;
    this._text = String(options.port ?? options.dashboard.default_port);
  }

  /** The dashboard to open. */
  readonly dashboard: IDashboardSpec;

  /** The text of the port field. */
  get text(): string {
    return this._text;
  }
  set text(value: string) {
    this._text = value;
    this.changed();
  }

  getValue(): number {
    return parsePort(this._text) ?? 0;
  }

  validate(): string | null {
    return parsePort(this._text) === null
      ? this._trans.__('The port is a whole number from 1 to 65535.')
      : null;
  }

  protected render(): JSX.Element {
    return <PortFormView form={this} trans={this._trans} />;
  }

  private _trans: TranslationBundle;
  private _text: string;
}

/** The port form's view, redrawn with the form's state. */
function PortFormView(props: {
  form: PortForm;
  trans: TranslationBundle;
}): JSX.Element {
  const { form, trans } = props;
  useFormState(form);
  const { dashboard } = form;
  const id = `jp-hpc-PortForm-port-${dashboard.name}`;
  const invalid = parsePort(form.text) === null;
  return (
    <div
      className="jp-hpc-DashboardDialog-form"
      data-dashboard={dashboard.name}
    >
      <p className="jp-hpc-DashboardDialog-hint">
        {trans.__(
          'Start the program first, in a notebook or a terminal of this JupyterLab: its dashboard listens on port %1 unless told otherwise.',
          dashboard.default_port
        )}
      </p>
      <label className="jp-hpc-LaunchDialog-label" htmlFor={id}>
        {trans.__('Port')}
      </label>
      <input
        id={id}
        className={`jp-hpc-DashboardDialog-port jp-mod-styled${invalid ? ' jp-mod-invalid' : ''}`}
        type="text"
        inputMode="numeric"
        value={form.text}
        aria-invalid={invalid}
        disabled={form.busy}
        onChange={event => (form.text = event.target.value)}
      />
      {form.busy && (
        <p className="jp-hpc-LaunchDialog-busy" role="status">
          {trans.__('Looking for the dashboard…')}
        </p>
      )}
      <FormError error={form.error} />
      <DocsLink
        url={dashboard.docs_url}
        title={dashboard.title}
        trans={trans}
      />
    </div>
  );
}

/** A namespace for `PortForm` statics. */
export namespace PortForm {
  /** The options of the port form. */
  export interface IOptions {
    dashboard: IDashboardSpec;
    /** The port to show first (default the dashboard's own). */
    port?: number;
    trans: TranslationBundle;
  }
}

/**
 * Ask a dashboard's port, check with the server that something answers
 * there, and open it through the proxy. The dialog stays open with the
 * server's message when nothing answers or the port is refused. Resolves
 * with the port opened, or null.
 */
export async function showDashboardDialog(
  options: IDashboardDialogOptions
): Promise<number | null> {
  const { client, dashboard, opener, trans } = options;
  let opened: number | null = null;
  const form = new PortForm({ dashboard, port: options.port, trans });
  const dialog = new SubmitDialog<number>({
    title: trans.__('Open %1', dashboard.title),
    body: form,
    cancel: Dialog.cancelButton({ label: trans.__('Cancel') }),
    accept: Dialog.okButton({ label: trans.__('Open') }),
    focusNodeSelector: '.jp-hpc-DashboardDialog-port',
    submit: async port => {
      // First, in the click: the browser tab opens here.
      const target = opener.prepare(
        `dashboard/${dashboard.name}`,
        dashboard.title,
        trans.__('Opening %1…', dashboard.title)
      );
      try {
        const check = await client.checkDashboard(dashboard.name, port);
        const page = {
          key: `dashboard/${dashboard.name}`,
          label: dashboard.title,
          url: client.resolveUrl(check.url)
        };
        if (!target.open(page.url)) {
          Notification.success(
            trans.__('%1 answers on port %2.', dashboard.title, port),
            {
              autoClose: false,
              actions: [
                {
                  label: trans.__('Open'),
                  caption: trans.__(
                    'The browser did not let the tab open: open it now'
                  ),
                  callback: () => void opener.open(page)
                }
              ]
            }
          );
        }
        opened = port;
        return null;
      } catch (error) {
        target.cancel();
        return error instanceof Error ? error.message : String(error);
      }
    }
  });
  dialog.addClass('jp-hpc-DashboardDialog');
  await dialog.launch();
  return opened;
}

/** The options of `showDashboardDialog`. */
export interface IDashboardDialogOptions {
  client: IHPCClient;
  dashboard: IDashboardSpec;
  opener: AppOpener;
  trans: TranslationBundle;
  /** The port to show first (default the dashboard's own). */
  port?: number;
}

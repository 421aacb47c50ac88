import { MainAreaWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { IHPCClient } from '../api/client';
import { instanceLabel } from './format';

/**
 * The recent output of an app instance (the server keeps its last 64 KiB),
 * read when shown and again on Refresh, scrolled to its end.
 */
export class AppLogView extends Widget {
  constructor(options: AppLogView.IOptions) {
    super();
    this.addClass('jp-hpc-AppLog');
    this._client = options.client;
    this._trans = options.trans;
    this.name = options.name;
    this.endpoint = options.endpoint;
    this._text = document.createElement('pre');
    this._text.className = 'jp-hpc-AppLog-text';
    this._text.tabIndex = 0;
    this._text.setAttribute('aria-live', 'polite');
    this.node.appendChild(this._text);
  }

  /** The app of the log. */
  readonly name: string;

  /** Its endpoint. */
  readonly endpoint: number;

  /** Read the log again. */
  async refresh(): Promise<void> {
    const request = ++this._request;
    this.node.classList.add('jp-mod-loading');
    let text: string;
    let failed = false;
    try {
      text = await this._client.appLog(this.name, this.endpoint);
      if (!text) {
        text = this._trans.__('(no output yet)');
      }
    } catch (error) {
      failed = true;
      text = error instanceof Error ? error.message : String(error);
    }
    if (request !== this._request || this.isDisposed) {
      return;
    }
    this.node.classList.remove('jp-mod-loading');
    this.node.classList.toggle('jp-mod-error', failed);
    this._text.textContent = text;
    this._text.scrollTop = this._text.scrollHeight;
  }

  private _client: IHPCClient;
  private _trans: TranslationBundle;
  private _text: HTMLPreElement;
  private _request = 0;
}

/** A namespace for `AppLogView` statics. */
export namespace AppLogView {
  /** The options of a log view. */
  export interface IOptions {
    client: IHPCClient;
    name: string;
    endpoint: number;
    trans: TranslationBundle;
  }
}

/** The id of the log tab of an instance. */
export function logWidgetId(name: string, endpoint: number): string {
  return `jp-hpc-log-${name}-${endpoint}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** A main-area tab with an instance's log and a Refresh button. */
export function createLogWidget(
  options: AppLogView.IOptions & { title: string }
): MainAreaWidget<AppLogView> {
  const { trans } = options;
  const content = new AppLogView(options);
  const widget = new MainAreaWidget({ content });
  widget.id = logWidgetId(options.name, options.endpoint);
  widget.title.label = trans.__(
    'Log of %1',
    instanceLabel(options.title, options.endpoint, trans)
  );
  widget.title.closable = true;
  widget.toolbar.addItem(
    'refresh',
    new ToolbarButton({
      icon: refreshIcon,
      className: 'jp-hpc-AppLog-refresh',
      tooltip: trans.__('Read the log again'),
      onClick: () => void content.refresh()
    })
  );
  void content.refresh();
  return widget;
}

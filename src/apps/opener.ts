import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { IFrame } from '@jupyterlab/ui-components';

/** Where apps and dashboards open: the `openIn` setting. */
export type OpenIn = 'browser-tab' | 'jupyterlab-tab';

/**
 * What proxied apps may do in a JupyterLab tab. They are served from the
 * Jupyter origin and need their own scripts, cookies (same origin), forms,
 * popups, downloads and dialogs; this does not isolate them from JupyterLab
 * (no sandbox does for same-origin content with scripts), it only keeps
 * them from navigating the JupyterLab page itself.
 */
export const APP_SANDBOX: IFrame.SandboxExceptions[] = [
  'allow-scripts',
  'allow-same-origin',
  'allow-forms',
  'allow-popups',
  'allow-downloads',
  'allow-modals'
];

/** A page opened for something that is not ready yet. */
export interface IOpenTarget {
  /** Show the URL there; false when that was impossible (a popup blocker). */
  open(url: string): boolean;
  /** Give the place back: nothing will be shown there. */
  cancel(): void;
}

/** What an app tab shows, so that it can be restored after a reload. */
export interface IAppPage {
  /** A unique key, such as `tensorboard/0` or `dashboard/dask`. */
  key: string;
  /** The tab's title, such as `TensorBoard · 0`. */
  label: string;
  /** The absolute URL. */
  url: string;
}

/**
 * Opens apps where the user wants them: a new browser tab, or a JupyterLab
 * tab with a sandboxed IFrame (one per app endpoint, reused).
 */
export class AppOpener {
  constructor(options: AppOpener.IOptions) {
    this._openIn = options.openIn;
    this._addWidget = options.addWidget;
    this._trans = options.trans;
    this.tracker = new WidgetTracker({ namespace: 'jupyterlab-hpc-apps' });
  }

  /** The JupyterLab tabs of apps, for the layout restorer. */
  readonly tracker: WidgetTracker<MainAreaWidget<IFrame>>;

  /**
   * Get a place ready to show a page later. Call it in the handler of the
   * user's click: a browser tab is opened now, blank but for a "Starting…"
   * line, because popup blockers refuse `window.open` after an await.
   */
  prepare(key: string, label: string, waiting?: string): IOpenTarget {
    if (this._openIn() === 'jupyterlab-tab') {
      return {
        open: url => {
          this.openTab({ key, label, url });
          return true;
        },
        cancel: () => undefined
      };
    }
    const view = window.open('', '_blank');
    if (view) {
      Private.writeWaiting(
        view,
        waiting ?? this._trans.__('Starting %1…', label)
      );
    }
    return {
      open: url => {
        if (!view || view.closed) {
          return false;
        }
        view.location.href = url;
        return true;
      },
      cancel: () => view?.close()
    };
  }

  /** Open a page now (the user clicked: no popup blocker objects). */
  open(page: IAppPage): boolean {
    if (this._openIn() === 'jupyterlab-tab') {
      this.openTab(page);
      return true;
    }
    const view = window.open(page.url, '_blank');
    if (view) {
      view.opener = null;
    }
    return view !== null;
  }

  /** Show a page in its JupyterLab tab, made or reused. */
  openTab(page: IAppPage): MainAreaWidget<IFrame> {
    const id = `jp-hpc-app-${page.key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    let widget = this.tracker.find(w => w.id === id);
    if (!widget || widget.isDisposed) {
      const content = new IFrame({
        sandbox: APP_SANDBOX,
        referrerPolicy: 'same-origin'
      });
      widget = new MainAreaWidget({ content });
      widget.id = id;
      widget.addClass('jp-hpc-AppFrame');
      widget.title.closable = true;
      this._addWidget(widget);
    }
    widget.title.label = page.label;
    widget.title.caption = page.url;
    widget.content.url = page.url;
    widget.node.dataset.page = page.key;
    this._pages.set(widget, page);
    void this.tracker.add(widget);
    void this.tracker.save(widget);
    return widget;
  }

  /** The page an app tab shows, for the restorer. */
  page(widget: MainAreaWidget<IFrame>): IAppPage | undefined {
    return this._pages.get(widget);
  }

  private _openIn: () => OpenIn;
  private _addWidget: (widget: MainAreaWidget<IFrame>) => void;
  private _trans: TranslationBundle;
  private _pages = new WeakMap<MainAreaWidget<IFrame>, IAppPage>();
}

/** A namespace for `AppOpener` statics. */
export namespace AppOpener {
  /** The options of the opener. */
  export interface IOptions {
    /** The current `openIn` setting. */
    openIn: () => OpenIn;
    /** Add a new tab to the main area and show it. */
    addWidget: (widget: MainAreaWidget<IFrame>) => void;
    trans: TranslationBundle;
  }
}

namespace Private {
  /**
   * Write a waiting line into a blank tab. The tab loses its opener: the app
   * it will show has no business with this page.
   */
  export function writeWaiting(view: Window, text: string): void {
    try {
      view.opener = null;
      view.document.title = text;
      const line = view.document.createElement('p');
      line.textContent = text;
      view.document.body.appendChild(line);
    } catch {
      // The tab is somewhere else already: nothing to write.
    }
  }
}

import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { IHPCClient } from '../api/client';
import { IAppInstance, IAppLaunchRequest, IAppSpec } from '../api/types';
import { failureMessage, instanceLabel, tailLines } from './format';
import { RunningAppsModel } from './model';
import { AppOpener, IOpenTarget } from './opener';

/** How long the "in progress" toast needs to be drawn before it can be updated. */
const TOAST_DRAWN_MS = 500;

/** How a launch ended: the app answered, stopped, or was shut down meanwhile. */
export type LaunchOutcome = 'running' | 'failed' | 'exited' | 'gone';

/**
 * The launches of apps: POST, then a notification until the app answers
 * (open it) or stops (why, its exit code and the end of its log).
 */
export class AppLaunches {
  constructor(options: AppLaunches.IOptions) {
    this._client = options.client;
    this._model = options.model;
    this._opener = options.opener;
    this._trans = options.trans;
    this._showLog = options.showLog;
    this._showFailure = options.showFailure;
    this._drawnMs = options.toastDrawnMs ?? TOAST_DRAWN_MS;
  }

  /**
   * Launch an app's endpoint. Call it in the handler of the user's click:
   * a browser tab for the app opens now (see `AppOpener.prepare`). Resolves
   * when the server has answered: a refusal carries its message verbatim;
   * an accepted launch goes on in a notification until `done`.
   */
  start(
    app: IAppSpec,
    endpoint: number,
    request: IAppLaunchRequest
  ): Promise<AppLaunches.Result> {
    const label = instanceLabel(app.title, endpoint, this._trans);
    const target = this._opener.prepare(`${app.name}/${endpoint}`, label);
    return this._client.launchApp(app.name, endpoint, request).then(
      instance => ({
        accepted: true,
        message: null,
        done: this._follow(app, instance, target).catch(reason => {
          console.error(
            'jupyterlab-hpc: the launch could not be followed',
            reason
          );
          return 'failed' as const;
        })
      }),
      (error: unknown) => {
        target.cancel();
        return {
          accepted: false,
          message: error instanceof Error ? error.message : String(error),
          done: null
        };
      }
    );
  }

  /** Wait for the instance to answer or stop, and tell the user. */
  private async _follow(
    app: IAppSpec,
    launched: IAppInstance,
    target: IOpenTarget
  ): Promise<LaunchOutcome> {
    const trans = this._trans;
    const endpoint = launched.endpoint;
    if (launched.state === 'running') {
      // The same launch was running already: open it, nothing to wait for.
      this._opened(app, launched, target, null);
      return 'running';
    }
    const id = Notification.emit(
      app.endpoints > 1
        ? trans.__('Starting %1 on endpoint %2…', app.title, endpoint)
        : trans.__('Starting %1…', app.title),
      'in-progress',
      { autoClose: false }
    );
    // An update before the toast is drawn is lost; apps may answer at once.
    const drawn = new Promise(resolve => setTimeout(resolve, this._drawnMs));
    const watch = this._model.watch();
    let instance: IAppInstance | null;
    try {
      instance = await this._settled(app.name, endpoint);
    } finally {
      watch.dispose();
    }
    if (instance?.state === 'running') {
      await drawn;
      this._opened(app, instance, target, id);
      return 'running';
    }
    target.cancel();
    if (!instance) {
      await drawn;
      Notification.update({
        id,
        message: trans.__(
          '%1 was shut down before it answered.',
          instanceLabel(app.title, endpoint, trans)
        ),
        type: 'warning',
        autoClose: 5000
      });
      return 'gone';
    }
    const failed = instance;
    const tail = await this._client
      .appLog(app.name, endpoint)
      .then(log => tailLines(log))
      .catch(() => '');
    await drawn;
    Notification.update({
      id,
      // A toast shows about 140 characters: the reason, then the log's last line (most
      // often the error itself); "Details" and "Show log" have the rest.
      message:
        `${failureMessage(failed, '', trans)} ${tailLines(tail, 1)}`.trim(),
      type: 'error',
      autoClose: false,
      actions: [
        {
          label: trans.__('Show log'),
          caption: trans.__('Open the whole output of %1', failed.title),
          callback: event => {
            event.preventDefault();
            this._showLog(failed.name, failed.endpoint);
          }
        },
        {
          label: trans.__('Details'),
          caption: trans.__('Why it stopped, and the end of its log'),
          callback: event => {
            event.preventDefault();
            this._showFailure(failed, tail);
          }
        }
      ]
    });
    return failed.state === 'exited' ? 'exited' : 'failed';
  }

  /** Show the running app and say so (with an Open button if it could not be shown). */
  private _opened(
    app: IAppSpec,
    instance: IAppInstance,
    target: IOpenTarget,
    id: string | null
  ): void {
    const trans = this._trans;
    const page = {
      key: `${instance.name}/${instance.endpoint}`,
      label: instanceLabel(instance.title, instance.endpoint, trans),
      url: this._client.resolveUrl(instance.open_url)
    };
    const shown = target.open(page.url);
    const message =
      app.endpoints > 1
        ? trans.__(
            '%1 is running on endpoint %2.',
            app.title,
            instance.endpoint
          )
        : trans.__('%1 is running.', app.title);
    // A blocked or closed tab: the user opens it with a click of their own.
    const actions: Notification.IAction[] = shown
      ? []
      : [
          {
            label: trans.__('Open'),
            caption: trans.__(
              'The browser did not let the tab open: open it now'
            ),
            callback: () => void this._opener.open(page)
          }
        ];
    const autoClose = shown ? 5000 : false;
    if (id === null) {
      Notification.success(message, { autoClose, actions });
    } else {
      Notification.update({ id, message, type: 'success', autoClose, actions });
    }
  }

  /**
   * The instance of an endpoint once it answers or stops (null when the
   * server forgets it), from answers to requests sent after the launch.
   */
  private _settled(
    name: string,
    endpoint: number
  ): Promise<IAppInstance | null> {
    const model = this._model;
    const after = model.requested;
    return new Promise(resolve => {
      const check = () => {
        if (model.shownRequest <= after) {
          return;
        }
        const instance = model.find(name, endpoint) ?? null;
        if (instance && !Private.SETTLED.has(instance.state)) {
          return;
        }
        model.stateChanged.disconnect(check);
        resolve(instance);
      };
      model.stateChanged.connect(check);
      void model.refresh();
    });
  }

  private _client: IHPCClient;
  private _model: RunningAppsModel;
  private _opener: AppOpener;
  private _trans: TranslationBundle;
  private _showLog: (name: string, endpoint: number) => void;
  private _showFailure: (instance: IAppInstance, tail: string) => void;
  private _drawnMs: number;
}

/** A namespace for `AppLaunches` statics. */
export namespace AppLaunches {
  /** The options of the launches. */
  export interface IOptions {
    client: IHPCClient;
    /** The one model of `apps/running`. */
    model: RunningAppsModel;
    opener: AppOpener;
    trans: TranslationBundle;
    /** Open the whole log of an instance. */
    showLog(name: string, endpoint: number): void;
    /** Show why an instance stopped, with the end of its log. */
    showFailure(instance: IAppInstance, tail: string): void;
    /** How long to let a toast be drawn before updating it (tests: 0). */
    toastDrawnMs?: number;
  }

  /** The server's answer to a launch. */
  export type Result =
    | { accepted: true; message: null; done: Promise<LaunchOutcome> }
    | { accepted: false; message: string; done: null };
}

namespace Private {
  /** The states a launch waits for. */
  export const SETTLED = new Set<IAppInstance['state']>([
    'running',
    'failed',
    'exited'
  ]);
}

import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IAppInstance, IAppLaunchRequest, IAppSpec } from '../api/types';
import { failureMessage } from './format';
import { DocsLink } from './formwidget';
import { LaunchForm } from './form';
import { AppLaunches } from './launch';
import { ILaunchValues, LaunchMemory } from './memory';
import { RunningAppsModel } from './model';
import { SubmitDialog } from './submitdialog';

/**
 * Ask how to launch an app and launch it. The dialog stays open while the
 * server refuses (its message is shown there, verbatim) and closes once
 * the launch is accepted; its progress goes on in a notification.
 */
export async function showLaunchDialog(
  options: ILaunchDialogOptions
): Promise<void> {
  const { app, model, memory, launches, trans } = options;
  const looking = model.look();
  try {
    const form = new LaunchForm({
      app,
      model,
      memory: await memory.load(app.name),
      trans
    });
    const dialog = new SubmitDialog<LaunchForm.IValue>({
      title: trans.__('Launch %1', app.title),
      body: form,
      cancel: Dialog.cancelButton({ label: trans.__('Cancel') }),
      accept: Dialog.okButton({ label: trans.__('Launch') }),
      focusNodeSelector: '.jp-hpc-LaunchDialog-args',
      submit: ({ endpoint, values }) => {
        // First, in the click: the browser tab opens here.
        const result = launches.start(app, endpoint, launchRequest(values));
        void memory.save(app.name, endpoint, values);
        return result.then(answer => (answer.accepted ? null : answer.message));
      }
    });
    dialog.addClass('jp-hpc-LaunchDialog');
    await dialog.launch();
  } finally {
    looking.dispose();
  }
}

/** The options of `showLaunchDialog`. */
export interface ILaunchDialogOptions {
  app: IAppSpec;
  /** The one model of `apps/running`, to mark running endpoints. */
  model: RunningAppsModel;
  /** The last values of each endpoint. */
  memory: LaunchMemory;
  launches: AppLaunches;
  trans: TranslationBundle;
}

/**
 * The request of the dialog's values: variables by name, empty names left
 * out; the module versions when the app loads modules.
 */
export function launchRequest(values: ILaunchValues): IAppLaunchRequest {
  const env: { [name: string]: string } = {};
  values.env.forEach(({ name, value }) => {
    if (name.trim()) {
      env[name.trim()] = value;
    }
  });
  const request: IAppLaunchRequest = { args: values.args, env };
  if (values.modules.length) {
    request.modules = [...values.modules];
  }
  return request;
}

/** Why an app cannot start here (instead of a launch that would fail). */
export async function showUnavailable(
  app: IAppSpec,
  trans: TranslationBundle
): Promise<void> {
  await showDialog({
    title: trans.__('%1 is not available', app.title),
    body: (
      <div className="jp-hpc-AppUnavailable">
        <p className="jp-hpc-AppUnavailable-reason">
          {app.reason ?? trans.__('The server cannot start it here.')}
        </p>
        <DocsLink url={app.docs_url} title={app.title} trans={trans} />
      </div>
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

/** Why an instance stopped and the end of its log, with a way to the whole log. */
export async function showFailure(
  instance: IAppInstance,
  tail: string,
  trans: TranslationBundle,
  showLog: () => void
): Promise<void> {
  const message = failureMessage(instance, '', trans);
  const result = await showDialog({
    title: trans.__('%1 did not start', instance.title),
    body: (
      <div className="jp-hpc-AppFailure">
        <p className="jp-hpc-AppFailure-message">{message}</p>
        {tail ? (
          <pre className="jp-hpc-AppFailure-log">{tail}</pre>
        ) : (
          <p>{trans.__('It wrote nothing.')}</p>
        )}
      </div>
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Close') }),
      Dialog.okButton({ label: trans.__('Show log') })
    ]
  });
  if (result.button.accept) {
    showLog();
  }
}

/** Helpers of the apps tests. */
import { Notification } from '@jupyterlab/apputils';

import { AppState, IAppInstance, IAppSpec } from '../../api/types';
import { RunningAppsModel } from '../../apps/model';
import { AppOpener, OpenIn } from '../../apps/opener';
import * as fakes from '../fakes';
import { trans } from '../slurm/utils';

export { find, trans, type } from '../slurm/utils';

/** The notifications shown, oldest first. */
export const shown = (): Notification.INotification[] =>
  Notification.manager.notifications.slice().reverse();

/** The golden TensorBoard app (3 endpoints). */
export function tensorboard(): IAppSpec {
  return fakes.apps().apps.find(app => app.name === 'tensorboard')!;
}

/** An instance of the golden shape in a given state. */
export function instance(
  state: AppState,
  overrides: Partial<IAppInstance> = {}
): IAppInstance {
  return { ...fakes.appLaunch(), state, ...overrides };
}

/** A browser tab as `window.open` returns it, recording what is done to it. */
export interface IFakeView {
  closed: boolean;
  close: jest.Mock;
  opener: unknown;
  location: { href: string };
  document: Document;
}

/** Make `window.open` return a fake tab (or null: a popup blocker). */
export function fakeWindowOpen(blocked = false): {
  open: jest.SpyInstance;
  views: IFakeView[];
} {
  const views: IFakeView[] = [];
  const open = jest.spyOn(window, 'open').mockImplementation(() => {
    if (blocked) {
      return null;
    }
    const view: IFakeView = {
      closed: false,
      close: jest.fn(() => {
        view.closed = true;
      }),
      opener: window,
      location: { href: 'about:blank' },
      document: document.implementation.createHTMLDocument('')
    };
    views.push(view);
    return view as unknown as Window;
  });
  return { open, views };
}

/** A model of `apps/running` over a fake client, not polling by itself. */
export function runningModel(client: fakes.FakeClient): RunningAppsModel {
  return new RunningAppsModel({ client, auto: false });
}

/** An opener whose JupyterLab tabs are recorded. */
export function opener(openIn: OpenIn = 'browser-tab'): {
  opener: AppOpener;
  added: jest.Mock;
} {
  const added = jest.fn();
  return {
    opener: new AppOpener({ openIn: () => openIn, addWidget: added, trans }),
    added
  };
}

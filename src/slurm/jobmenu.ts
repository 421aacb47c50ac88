import { TranslationBundle } from '@jupyterlab/translation';
import {
  copyIcon,
  infoIcon,
  LabIcon,
  refreshIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Menu } from '@lumino/widgets';

import { ISlurmJob } from '../api/types';
import { ISlurmActions } from './actions';
import { canHold, canRelease, canRequeue } from './jobs';

/**
 * Open the actions menu of some jobs (a row's, or the selection's) at a
 * point: details, copy, hold, release, requeue (held or not), cancel. Only
 * what applies is enabled; the menu is a Lumino menu, so arrows, Enter and
 * Escape work as in every other JupyterLab menu.
 */
export function openJobMenu(options: JobMenu.IOptions): Menu {
  const { jobs, actions, trans } = options;
  const commands = new CommandRegistry();
  const menu = new Menu({ commands });
  menu.addClass('jp-hpc-SlurmJobMenu');
  const single = jobs.length === 1 ? jobs[0] : null;
  const own = options.own;
  const add = (
    id: string,
    label: string,
    enabled: boolean,
    execute: () => unknown,
    icon?: LabIcon
  ) => {
    commands.addCommand(id, {
      label,
      icon,
      isEnabled: () => enabled,
      execute: () => void execute()
    });
    menu.addItem({ command: id });
  };
  const separator = () => menu.addItem({ type: 'separator' });

  add(
    'details',
    trans.__('Details'),
    single !== null,
    () => single && actions.details(single),
    infoIcon
  );
  add(
    'copy-id',
    trans.__('Copy Job Id'),
    single !== null,
    () => single && actions.copy(single, 'id'),
    copyIcon
  );
  add(
    'copy-row',
    trans.__('Copy Row'),
    single !== null,
    () => single && actions.copy(single, 'row')
  );
  separator();
  add('hold', trans.__('Hold'), own.some(canHold), () => actions.hold(own));
  add('release', trans.__('Release'), own.some(canRelease), () =>
    actions.release(own)
  );
  add(
    'requeue',
    trans.__('Requeue'),
    own.some(canRequeue),
    () => actions.requeue(own, false),
    refreshIcon
  );
  add('requeue-hold', trans.__('Requeue and Hold'), own.some(canRequeue), () =>
    actions.requeue(own, true)
  );
  separator();
  add(
    'cancel',
    trans.__('Cancel'),
    own.length > 0,
    () => actions.cancel(own),
    stopIcon
  );
  menu.aboutToClose.connect(() => {
    // Back to where the keyboard was, unless the action took it (a dialog).
    requestAnimationFrame(() => {
      menu.dispose();
      const active = document.activeElement;
      if (!active || active === document.body) {
        options.restoreFocus?.focus();
      }
    });
  });
  menu.open(options.x, options.y);
  return menu;
}

/** A namespace for `openJobMenu` statics. */
export namespace JobMenu {
  /** The options of a job menu. */
  export interface IOptions {
    /** The jobs shown (details and copy need exactly one). */
    jobs: readonly ISlurmJob[];
    /** Those of them the user owns: the only ones acted upon. */
    own: readonly ISlurmJob[];
    actions: ISlurmActions;
    trans: TranslationBundle;
    /** Where to open it, in client coordinates. */
    x: number;
    y: number;
    /** The element to give the focus back to when it closes. */
    restoreFocus?: HTMLElement | null;
  }

  /** Where to open a menu for an event: the pointer, or under the target. */
  export function position(event: {
    clientX: number;
    clientY: number;
    currentTarget: EventTarget;
  }): { x: number; y: number } {
    if (event.clientX || event.clientY) {
      return { x: event.clientX, y: event.clientY };
    }
    // From the keyboard (the Menu key, Shift+F10, Enter on a button).
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: rect.left, y: rect.bottom };
  }
}

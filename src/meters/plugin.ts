import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { followSetting } from '../settings';
import { MeterRegistry } from './registry';
import { IMeterRegistry, MeterPlacement } from './tokens';

/** The rank of the meters in the top area: after JupyterLab's own top bar. */
const TOP_RANK = 1000;

/** Where the meters go: status bar (default) or the right end of the top bar. */
export const metersPlugin: JupyterFrontEndPlugin<IMeterRegistry> = {
  id: 'jupyterlab-hpc:meters',
  description:
    'Places the memory, CPU, power and CO2 meters in the status bar or the top bar.',
  autoStart: true,
  provides: IMeterRegistry,
  optional: [IStatusBar, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): IMeterRegistry => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const registry = new MeterRegistry({
      statusBar,
      label: trans.__('Resource meters')
    });
    app.shell.add(registry.topGroup, 'top', { rank: TOP_RANK });
    followSetting<MeterPlacement>(
      settingRegistry,
      metersPlugin.id,
      'placement',
      value => {
        registry.placement = value === 'top-bar' ? 'top-bar' : 'status-bar';
      }
    );
    return registry;
  }
};

import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { offlineBoltIcon } from '@jupyterlab/ui-components';

import { IHPCClient } from '../api/client';
import { IMetricsModel } from '../metrics/tokens';
import { HistoryModel } from './model';
import { HISTORY_PANEL_ID, HistoryPanel } from './panel';
import { persistSelection, SeriesSelection } from './selection';

/** The command ids of the history panel. */
export namespace CommandIDs {
  /** Open the history panel, or bring the open one to the front. */
  export const openHistory = 'jupyterlab-hpc:open-history';
}

/** The usage history panel, opened from the palette or the meters. */
export const historyPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-hpc:history',
  description:
    'Charts the CPU, memory and GPU use, power draw and CO2 emissions of this server.',
  autoStart: true,
  requires: [IHPCClient, IMetricsModel],
  optional: [ICommandPalette, ITranslator, ILayoutRestorer, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    client: IHPCClient,
    metrics: IMetricsModel,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    settingRegistry?: ISettingRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    // The series shown: one choice for the page, kept in the user's settings.
    const selection = new SeriesSelection();
    settingRegistry
      ?.load(historyPlugin.id)
      .then(settings => persistSelection(selection, settings))
      .catch(reason => {
        console.error(
          `jupyterlab-hpc: cannot load the settings of ${historyPlugin.id}`,
          reason
        );
      });
    const tracker = new WidgetTracker<HistoryPanel>({
      namespace: HISTORY_PANEL_ID
    });
    let panel: HistoryPanel | null = null;

    app.commands.addCommand(CommandIDs.openHistory, {
      label: trans.__('Usage and Power History'),
      caption: trans.__(
        'Chart the CPU, memory and GPU use, power draw and CO2 emissions of this server over time'
      ),
      icon: offlineBoltIcon,
      execute: () => {
        if (!panel || panel.isDisposed) {
          // The model lives as long as the panel: no history kept while closed.
          const model = new HistoryModel({ client, metrics });
          panel = new HistoryPanel({ model, selection, trans });
          void tracker.add(panel);
          app.shell.add(panel, 'main');
          void model.load();
        }
        app.shell.activateById(panel.id);
        return panel;
      }
    });

    palette?.addItem({
      command: CommandIDs.openHistory,
      category: trans.__('HPC')
    });

    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openHistory,
        name: () => 'history'
      });
    }
  }
};

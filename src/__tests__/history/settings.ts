import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { DataConnector } from '@jupyterlab/statedb';

/** The settings schema of the history plugin. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const schema = require('../../../schema/history.json');

/** The user's settings file of the plugin, in memory, validated by the real registry. */
export class MemoryConnector extends DataConnector<
  ISettingRegistry.IPlugin,
  string
> {
  constructor(public raw = '{}') {
    super();
  }

  async fetch(id: string): Promise<ISettingRegistry.IPlugin> {
    return {
      id,
      schema,
      data: { composite: {}, user: {} },
      raw: this.raw,
      version: 'test'
    };
  }

  async save(id: string, raw: string): Promise<void> {
    this.raw = raw;
  }
}

import { ISettingRegistry } from '@jupyterlab/settingregistry';

/**
 * Call `apply` with a plugin setting's value now and whenever the user changes it.
 *
 * Settings are optional for every plugin: when they cannot be loaded the
 * plugin keeps its defaults and the console says why.
 */
export function followSetting<T>(
  registry: ISettingRegistry | null,
  pluginId: string,
  key: string,
  apply: (value: T) => void
): void {
  if (!registry) {
    return;
  }
  registry
    .load(pluginId)
    .then(settings => {
      const update = () => apply(settings.get(key).composite as T);
      update();
      settings.changed.connect(update);
    })
    .catch(reason => {
      console.error(
        `jupyterlab-hpc: cannot load the settings of ${pluginId}`,
        reason
      );
    });
}

import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';

import { SERIES } from '../../history/model';
import {
  DEFAULT_SERIES,
  persistSelection,
  SeriesSelection
} from '../../history/selection';
import { waitFor } from '../wait';
import { MemoryConnector, schema } from './settings';

const PLUGIN = 'jupyterlab-hpc:history';

describe('SeriesSelection', () => {
  it('shows power and CO2 until the user chooses, as the setting does', () => {
    const selection = new SeriesSelection();

    expect(selection.shown).toEqual(['cpu', 'gpu', 'co2']);
    expect(schema.properties.series.default).toEqual(DEFAULT_SERIES);
    expect(schema.properties.series.items.enum).toEqual(SERIES);
  });

  it('turns a series on and off, telling its listeners', () => {
    const selection = new SeriesSelection();
    const changed = jest.fn();
    selection.changed.connect(changed);

    selection.toggle('cores');
    expect(selection.has('cores')).toBe(true);
    expect(selection.shown).toEqual(['cpu', 'gpu', 'co2', 'cores']);

    selection.toggle('cpu');
    expect(selection.has('cpu')).toBe(false);
    expect(selection.shown).toEqual(['gpu', 'co2', 'cores']);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('ignores unknown series and a choice that changes nothing', () => {
    const selection = new SeriesSelection({ shown: ['memory'] });
    const changed = jest.fn();
    selection.changed.connect(changed);

    selection.set(['memory', 'disk']);

    expect(selection.shown).toEqual(['memory']);
    expect(changed).not.toHaveBeenCalled();
  });
});

/** The series saved in the user's settings file (JSON5, with comments), or null. */
function saved(connector: MemoryConnector): string[] | null {
  const match = connector.raw.match(/"series":\s*(\[[^\]]*\])/);
  return match ? JSON.parse(match[1]) : null;
}

describe('persistSelection', () => {
  async function settings(
    connector: MemoryConnector
  ): Promise<ISettingRegistry.ISettings> {
    const registry = new SettingRegistry({ connector });
    return registry.load(PLUGIN);
  }

  it("starts from the user's saved choice", async () => {
    const connector = new MemoryConnector('{"series": ["cores", "gpuUtil"]}');
    const selection = new SeriesSelection();

    persistSelection(selection, await settings(connector));

    expect(selection.shown).toEqual(['cores', 'gpuUtil']);
  });

  it("saves the user's toggles in their settings", async () => {
    const connector = new MemoryConnector();
    const first = new SeriesSelection();
    persistSelection(first, await settings(connector));

    first.toggle('cores');
    first.toggle('co2');

    // The second toggle, saved while the first was, is the one kept.
    await waitFor(() => {
      expect(saved(connector)).toEqual(['cpu', 'gpu', 'cores']);
    });
    expect(first.shown).toEqual(['cpu', 'gpu', 'cores']);
    // The next page (a reload) shows the same series.
    const next = new SeriesSelection();
    persistSelection(next, await settings(connector));
    expect(next.shown).toEqual(['cpu', 'gpu', 'cores']);
  });

  it('follows a change made in the settings editor', async () => {
    const selection = new SeriesSelection();
    const plugin = await settings(new MemoryConnector());
    persistSelection(selection, plugin);

    await plugin.set('series', ['memory']);

    expect(selection.shown).toEqual(['memory']);
  });
});

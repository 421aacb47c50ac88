import { IFilesystemCheck, IFilesystemEntry } from '../api/types';

/** The user's settings of `jupyterlab-hpc:filesystems`. */
export interface IFilesystemSettings {
  /** Whether the admin's defaults (HOME, WORK, SCRATCH) are mounted. */
  showDefaults: boolean;
  /** The user's own entries. */
  filesystems: IFilesystemEntry[];
}

/**
 * The list to mount: the admin's defaults unless hidden, then the user's
 * entries; a user entry replaces the default of the same name in its place.
 */
export function entriesToMount(
  settings: IFilesystemSettings,
  defaults: IFilesystemEntry[]
): IFilesystemEntry[] {
  const own = settings.filesystems.filter(
    entry => entry && typeof entry.name === 'string'
  );
  const byName = new Map(own.map(entry => [entry.name, entry]));
  const shown = settings.showDefaults
    ? defaults.map(entry => byName.get(entry.name) ?? entry)
    : [];
  const shownNames = new Set(shown.map(entry => entry.name));
  return [
    ...shown,
    ...own
      .filter(entry => !shownNames.has(entry.name))
      .map(({ name, url }) => ({ name, url }))
  ];
}

/**
 * The refused entries the user has not been told about yet; `told` keeps
 * what was said, so a settings change does not repeat every message.
 */
export function newlyRefused(
  checks: IFilesystemCheck[],
  told: Set<string>
): IFilesystemCheck[] {
  const refused = checks.filter(check => !check.valid);
  const keys = new Set(refused.map(Private.key));
  // Forget entries fixed or removed since, so a relapse is reported again.
  for (const key of [...told]) {
    if (!keys.has(key)) {
      told.delete(key);
    }
  }
  return refused.filter(check => {
    const key = Private.key(check);
    const fresh = !told.has(key);
    told.add(key);
    return fresh;
  });
}

namespace Private {
  /** What identifies one refusal: the entry and the server's reason. */
  export function key(check: IFilesystemCheck): string {
    return JSON.stringify([check.name, check.url, check.message]);
  }
}

import { ILauncher } from '@jupyterlab/launcher';
import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';

import { IApps } from '../api/types';

/**
 * The launcher as the server orders it: tiles added here get the
 * `categoryRank` of their category, so that Applications, Dashboards, HPC
 * Tools and Documentation sit between JupyterLab's own categories.
 */
export interface IHPCLauncher {
  /** The answer of `GET apps`, read once per page; null when it failed. */
  readonly catalogue: Promise<IApps | null>;
  /**
   * Add a tile to the launcher once the category order is known; disposing
   * the result removes it (or cancels it, before it is added).
   */
  add(options: ILauncher.IItemOptions): IDisposable;
  /** The shown name of a category the server names (its translation). */
  categoryLabel(name: string): string;
  /**
   * The launcher's rank of a category, by its shown (translated) name, or
   * undefined where the server does not order it.
   */
  categoryRank(category: string): Promise<number | undefined>;
}

/** The token of the ordered launcher. */
export const IHPCLauncher = new Token<IHPCLauncher>(
  'jupyterlab-hpc:IHPCLauncher',
  'Adds launcher tiles in the category order of the jupyterlab-hpc server.'
);

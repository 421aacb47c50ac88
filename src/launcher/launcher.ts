import { ILauncher } from '@jupyterlab/launcher';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

import { IHPCClient } from '../api/client';
import { IApps } from '../api/types';
import { categoryRanks, DEFAULT_CATEGORIES } from './ranks';
import { IHPCLauncher } from './tokens';

/** Adds tiles with the `categoryRank` of the server's category order. */
export class HPCLauncher implements IHPCLauncher {
  constructor(options: HPCLauncher.IOptions) {
    this._launcher = options.launcher;
    const label = options.label ?? ((name: string) => name);
    this.categoryLabel = label;
    this.catalogue = options.client.apps().catch(reason => {
      console.warn(
        'jupyterlab-hpc: the launcher keeps its default category order, GET apps failed',
        reason
      );
      return null;
    });
    this._ranks = this.catalogue.then(apps => {
      const ranks = categoryRanks(apps?.categories ?? DEFAULT_CATEGORIES);
      // Tiles name their category as shown, possibly translated.
      const byLabel = new Map<string, number>();
      ranks.forEach((rank, name) => {
        byLabel.set(name, rank);
        byLabel.set(label(name), rank);
      });
      return byLabel;
    });
  }

  readonly catalogue: Promise<IApps | null>;

  readonly categoryLabel: (name: string) => string;

  async categoryRank(category: string): Promise<number | undefined> {
    return (await this._ranks).get(category);
  }

  add(options: ILauncher.IItemOptions): IDisposable {
    let added: IDisposable | null = null;
    const delegate = new DisposableDelegate(() => added?.dispose());
    const launcher = this._launcher;
    if (!launcher) {
      return delegate;
    }
    void this.categoryRank(options.category ?? '').then(categoryRank => {
      if (delegate.isDisposed) {
        return;
      }
      added = launcher.add(
        options.categoryRank === undefined && categoryRank !== undefined
          ? { ...options, categoryRank }
          : options
      );
    });
    return delegate;
  }

  private _launcher: ILauncher | null;
  private _ranks: Promise<Map<string, number>>;
}

/** A namespace for `HPCLauncher` statics. */
export namespace HPCLauncher {
  /** The options of the ordered launcher. */
  export interface IOptions {
    /** The API client, asked for `GET apps` once. */
    client: IHPCClient;
    /** JupyterLab's launcher, when the page has one. */
    launcher: ILauncher | null;
    /** The shown name of a category (its translation). */
    label?: (name: string) => string;
  }
}

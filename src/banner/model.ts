import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { IDisposable } from '@lumino/disposable';

import { IHPCClient } from '../api/client';
import { IInfo } from '../api/types';

/** The levels a banner is styled by. */
export type BannerLevel = 'info' | 'warning' | 'critical';

/** The levels the server may send, in order of severity. */
export const BANNER_LEVELS: readonly BannerLevel[] = [
  'info',
  'warning',
  'critical'
];

/**
 * How often the banner is read again: a maintenance notice opens and closes
 * on the server's clock, without a page reload.
 */
export const BANNER_REFRESH_MS = 10 * 60 * 1000;

/** The banner and sandbox state of the server, kept fresh by one poll. */
export class BannerModel implements IDisposable {
  constructor(options: BannerModel.IOptions) {
    this._client = options.client;
    this._poll = new Poll({
      factory: () => this._refresh(),
      frequency: {
        interval: options.interval ?? BANNER_REFRESH_MS,
        backoff: true,
        max: 4 * (options.interval ?? BANNER_REFRESH_MS)
      },
      standby: 'when-hidden',
      name: 'jupyterlab-hpc:banner'
    });
  }

  /** The banner to show, or null. */
  get banner(): IInfo['banner'] {
    return this._banner;
  }

  /** The sandbox state; null until the server answered. */
  get sandbox(): IInfo['sandbox'] | null {
    return this._sandbox;
  }

  /** Emitted when the banner or the sandbox state changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Read the server's state now; resolves once it has been read (or failed). */
  async refresh(): Promise<void> {
    await this._poll.refresh();
    // The tick after the refresh: the factory has settled.
    await this._poll.tick;
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _refresh(): Promise<void> {
    // Rejects on errors, so the poll backs off (and the last state stays).
    const info = await this._client.info();
    this._banner = info.banner;
    this._sandbox = info.sandbox;
    this._changed.emit();
  }

  private _banner: IInfo['banner'] = null;
  private _sandbox: IInfo['sandbox'] | null = null;
  private _changed = new Signal<this, void>(this);
  private _client: IHPCClient;
  private _poll: Poll;
}

/** A namespace for `BannerModel` statics. */
export namespace BannerModel {
  /** The options of a banner model. */
  export interface IOptions {
    /** The API client. */
    client: IHPCClient;
    /** Milliseconds between two reads (BANNER_REFRESH_MS). */
    interval?: number;
  }
}

/** The level a banner is styled by: an unknown one reads as info. */
export function bannerLevel(level: string | undefined): BannerLevel {
  return (BANNER_LEVELS as readonly string[]).includes(level ?? '')
    ? (level as BannerLevel)
    : 'info';
}

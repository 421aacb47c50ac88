import { VDomModel } from '@jupyterlab/ui-components';

import { IMetrics } from '../api/types';
import { IMetricsModel } from '../metrics/tokens';

/** A view model over one section of the shared metrics snapshot. */
export abstract class SectionMeterModel<T> extends VDomModel {
  constructor(options: SectionMeterModel.IOptions) {
    super();
    this.metrics = options.metrics;
    this.metrics.changed.connect(this._onMetricsChanged, this);
  }

  /** The shared metrics model. */
  readonly metrics: IMetricsModel;

  /** The section shown, or null when there is nothing to show. */
  abstract get reading(): T | null;

  /** Whether the meter has something to show; it hides itself otherwise. */
  get available(): boolean {
    return this.reading !== null;
  }

  /** Whether the reading shown is older than the last (failed) poll. */
  get stale(): boolean {
    return this.metrics.stale;
  }

  /** The error of the last poll, if it failed. */
  get error(): Error | null {
    return this.metrics.error;
  }

  /** When the reading was taken by the server. */
  get time(): string | null {
    return this.metrics.metrics?.time ?? null;
  }

  /** The latest snapshot, or null before the first one. */
  protected get snapshot(): IMetrics | null {
    return this.metrics.metrics;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.metrics.changed.disconnect(this._onMetricsChanged, this);
    super.dispose();
  }

  private _onMetricsChanged(): void {
    this.stateChanged.emit();
  }
}

/** A namespace for `SectionMeterModel` statics. */
export namespace SectionMeterModel {
  /** The options of a section meter model. */
  export interface IOptions {
    /** The shared metrics model. */
    metrics: IMetricsModel;
  }
}

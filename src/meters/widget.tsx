import { TranslationBundle } from '@jupyterlab/translation';
import { VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { SectionMeterModel } from './model';

/** What a meter shows: a label, a value, an optional bar and a tooltip. */
export interface IMeterContent {
  /** The short name, e.g. "CPU". */
  label: string;
  /** The figures, e.g. "45 / 120 W". */
  value: string;
  /** Value / limit for the bar, or null without a limit. */
  fraction: number | null;
  /** Every detail, one per line. */
  tooltip: string;
  /** Whether the meter should draw attention. */
  warn?: boolean;
  /** The value and maximum for assistive technology, when there is a limit. */
  range?: { now: number; max: number };
}

/**
 * A status-bar or top-bar meter over one section of the metrics.
 *
 * Keyboard-focusable; when `onActivate` is given, a click, Enter or Space
 * runs it (the power and CO2 meters open their history).
 */
export abstract class Meter<
  M extends SectionMeterModel<unknown>
> extends VDomRenderer<M> {
  constructor(options: Meter.IOptions<M>) {
    super(options.model);
    this.trans = options.trans;
    this._onActivate = options.onActivate ?? null;
    this.addClass('jp-hpc-Meter');
    this.node.tabIndex = 0;
    if (this._onActivate) {
      this.addClass('jp-mod-clickable');
      this.node.setAttribute('role', 'button');
      this.node.addEventListener('click', this);
      this.node.addEventListener('keydown', this);
    } else {
      this.node.setAttribute('role', 'meter');
    }
  }

  /** Handle the DOM events of the meter. */
  handleEvent(event: Event): void {
    if (event.type === 'click') {
      this._onActivate?.();
    } else if (event.type === 'keydown') {
      const key = (event as KeyboardEvent).key;
      if (key === 'Enter' || key === ' ') {
        event.preventDefault();
        this._onActivate?.();
      }
    }
  }

  render(): JSX.Element | null {
    const model = this.model;
    const content = model && model.available ? this.describe(model) : null;
    this.toggleClass('jp-mod-stale', !!model?.stale);
    this.toggleClass('jp-mod-warn', !!content?.warn);
    if (!model || !content) {
      this.node.removeAttribute('title');
      return null;
    }
    let tooltip = content.tooltip;
    if (model.stale && model.error) {
      tooltip += `\n${this.trans.__(
        'Not up to date (reading of %1): %2',
        model.time ?? '?',
        model.error.message
      )}`;
    }
    this.node.title = tooltip;
    this.node.setAttribute('aria-label', tooltip);
    if (content.range) {
      this.node.setAttribute('aria-valuenow', String(content.range.now));
      this.node.setAttribute('aria-valuemin', '0');
      this.node.setAttribute('aria-valuemax', String(content.range.max));
    }
    const fraction = content.fraction;
    const percent = fraction === null ? 0 : Math.min(100, fraction * 100);
    return (
      <>
        <span className="jp-hpc-Meter-label">{content.label}</span>
        {fraction !== null && (
          <span className="jp-hpc-Meter-bar" aria-hidden="true">
            <span
              className="jp-hpc-Meter-fill"
              style={{ width: `${percent.toFixed(1)}%` }}
            />
          </span>
        )}
        <span className="jp-hpc-Meter-value">{content.value}</span>
      </>
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.node.removeEventListener('click', this);
    this.node.removeEventListener('keydown', this);
    super.dispose();
  }

  /** What to show for the model's current reading. */
  protected abstract describe(model: M): IMeterContent | null;

  /** The translation bundle of the extension. */
  protected readonly trans: TranslationBundle;
  private _onActivate: (() => void) | null;
}

/** A namespace for `Meter` statics. */
export namespace Meter {
  /** The options of a meter. */
  export interface IOptions<M> {
    /** The view model, shared with the meter's other views. */
    model: M;
    /** The translation bundle of the extension. */
    trans: TranslationBundle;
    /** What a click, Enter or Space does, if anything. */
    onActivate?: () => void;
  }
}

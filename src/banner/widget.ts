import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { BANNER_LEVELS, BannerModel, bannerLevel } from './model';

/** A unique id per badge for its aria-describedby. */
let nextId = 0;

/**
 * The top-bar banner: the admin's message, styled by its level, and a
 * "Sandbox" badge whose tooltip says what sandbox mode means. It is read
 * only, and hidden when there is neither.
 */
export class BannerWidget extends Widget {
  constructor(options: BannerWidget.IOptions) {
    super();
    const { trans } = options;
    this._model = options.model;
    this.addClass('jp-hpc-Banner');
    this.node.setAttribute('role', 'status');

    const describedBy = `jp-hpc-Banner-sandboxInfo-${++nextId}`;
    this._badge = document.createElement('span');
    this._badge.className = 'jp-hpc-Banner-sandbox';
    this._badge.textContent = trans.__('Sandbox');
    // Focusable, so keyboard users reach the explanation too.
    this._badge.tabIndex = 0;
    this._badge.setAttribute('aria-describedby', describedBy);
    this._badge.title = BannerWidget.sandboxExplanation(trans);

    const explanation = document.createElement('span');
    explanation.id = describedBy;
    explanation.className = 'jp-hpc-Banner-sandboxInfo';
    explanation.textContent = this._badge.title;
    explanation.hidden = true;

    this._text = document.createElement('span');
    this._text.className = 'jp-hpc-Banner-text';

    this.node.append(this._badge, explanation, this._text);
    this._model.changed.connect(this._render, this);
    this._render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._model.changed.disconnect(this._render, this);
    super.dispose();
  }

  private _render(): void {
    const banner = this._model.banner;
    const sandboxed = this._model.sandbox?.enabled === true;
    const level = bannerLevel(banner?.level);
    for (const each of BANNER_LEVELS) {
      this.toggleClass(`jp-mod-${each}`, banner !== null && each === level);
    }
    this.toggleClass('jp-mod-sandbox', sandboxed);
    this._badge.hidden = !sandboxed;
    // textContent: the server's text is never read as HTML.
    this._text.textContent = banner?.text ?? '';
    // A long message is cut to leave room for the meters: the whole of it on hover.
    this._text.title = banner?.text ?? '';
    this._text.hidden = banner === null;
    this.setHidden(banner === null && !sandboxed);
  }

  private _badge: HTMLElement;
  private _text: HTMLElement;
  private _model: BannerModel;
}

/** A namespace for `BannerWidget` statics. */
export namespace BannerWidget {
  /** The options of a banner widget. */
  export interface IOptions {
    /** The banner and sandbox state. */
    model: BannerModel;
    /** The jupyterlab_hpc translations. */
    trans: TranslationBundle;
  }

  /** What sandbox mode means for the user, in the badge's tooltip. */
  export function sandboxExplanation(trans: TranslationBundle): string {
    return trans.__(
      'Sandbox mode: this server runs in its own network namespace. Web apps started here (TensorBoard, MLflow…) are unreachable from the host network, so other users cannot reach them; you open them through JupyterLab. Multi-node MPI/NCCL jobs cannot reach this server: run them as Slurm jobs instead.'
    );
  }
}

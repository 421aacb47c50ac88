import { LabIcon } from '@jupyterlab/ui-components';

import { IHPCClient } from '../api/client';

/**
 * A neutral tile, shown until an app's own icon has arrived and when it
 * cannot be had. `jp-icon3` lets the theme colour it.
 */
export const PLACEHOLDER_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M4 3h16a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zm1 5v11h14V8z"/>
    <path d="M7 11h6v2H7zm0 3h10v2H7z"/>
  </g>
</svg>`;

/** The icon of an app or dashboard without one of its own. */
export const appIcon = new LabIcon({
  name: 'jupyterlab-hpc:app',
  svgstr: PLACEHOLDER_SVG
});

/** The documentation tiles' icon: a book. */
export const documentationIcon = new LabIcon({
  name: 'jupyterlab-hpc:documentation',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M6 2h12a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm0 2v16h12V4h-2v7l-2.5-1.5L11 11V4z"/>
  </g>
</svg>`
});

/**
 * The icon of a tile, as a `LabIcon` so that the launcher draws it in any
 * category: it draws `kernelIconUrl` only in Notebook and Console
 * (https://github.com/jupyterlab/jupyterlab/issues/5822).
 *
 * The icon is the placeholder at first and becomes the server's SVG when it
 * arrives (a `LabIcon` redraws itself where it is shown). An icon the
 * client cannot read (another origin, outside the base URL) is embedded as
 * an image instead, which the browser loads itself.
 */
export function tileIcon(
  client: IHPCClient,
  name: string,
  url: string | null
): LabIcon {
  const icon = new LabIcon({
    name: `jupyterlab-hpc:tile-${name}`,
    svgstr: PLACEHOLDER_SVG
  });
  if (!url) {
    return icon;
  }
  client.iconSvg(url).then(
    text => {
      const svg = sanitizeSvg(text);
      if (svg) {
        icon.svgstr = svg;
      } else {
        console.warn(`jupyterlab-hpc: ${url} is not an SVG icon`);
      }
    },
    () => {
      icon.svgstr = imageSvg(client.resolveUrl(url));
    }
  );
  return icon;
}

/**
 * The SVG text without what could run script in the page (script and
 * foreignObject elements, `on…` handlers, `javascript:` links), or null when
 * the text is not an SVG document. The icon is inlined into the page, so
 * even an admin's file is not trusted with that.
 */
export function sanitizeSvg(text: string): string | null {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (
    !root ||
    root.nodeName.toLowerCase() !== 'svg' ||
    doc.getElementsByTagName('parsererror').length
  ) {
    return null;
  }
  root
    .querySelectorAll('script, foreignObject')
    .forEach(element => element.remove());
  for (const element of [root, ...Array.from(root.querySelectorAll('*'))]) {
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.trim().toLowerCase();
      if (
        name.startsWith('on') ||
        ((name === 'href' || name === 'xlink:href') &&
          value.startsWith('javascript:'))
      ) {
        element.removeAttribute(attribute.name);
      }
    }
  }
  return new XMLSerializer().serializeToString(root);
}

/** An SVG that shows the image at `url`. */
export function imageSvg(url: string): string {
  const href = url
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;');
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">' +
    `<image href="${href}" width="16" height="16"/></svg>`
  );
}

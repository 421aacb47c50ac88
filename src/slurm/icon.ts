import { LabIcon } from '@jupyterlab/ui-components';

/**
 * The Slurm icon: jobs waiting in a queue, one of them running. `jp-icon3`
 * lets the theme colour it, like JupyterLab's own icons.
 */
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="3" y="4" width="18" height="3.5" rx="1"/>
    <rect x="3" y="10.25" width="13" height="3.5" rx="1"/>
    <rect x="3" y="16.5" width="8" height="3.5" rx="1"/>
    <path d="M18.5 13.5v7l5-3.5z"/>
  </g>
</svg>`;

/** The icon of the Slurm panel, its launcher tile and its scripts. */
export const slurmIcon = new LabIcon({
  name: 'jupyterlab-hpc:slurm',
  svgstr: SVG
});

import * as path from 'path';

/**
 * Where the specs save their screenshots: the documentation's tracked images
 * (docs/images) only under `make screenshots`, which sets HPC_SCREENSHOTS=1;
 * otherwise Playwright's output folder, so that a test run leaves the tree
 * as it found it.
 */
export const IMAGES = process.env.HPC_SCREENSHOTS
  ? path.resolve(__dirname, '..', '..', 'docs', 'images')
  : path.resolve(__dirname, '..', 'test-results', 'screenshots');

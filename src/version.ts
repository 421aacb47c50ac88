/**
 * The version of this frontend, compared with the server extension's at start-up.
 *
 * Kept equal to package.json's `version` (the single source, which the Python
 * package also reads); a jest test fails when the two differ.
 */
export const VERSION = '0.1.0';

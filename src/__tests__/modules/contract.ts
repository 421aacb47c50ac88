/**
 * An example of `GET modules` written from the API contract, used until the
 * server's golden file (tests/golden/modules.json) exists; see `fakes.ts`,
 * which prefers the golden file.
 */
import { IModules } from '../../api/types';

/** The testbed's tree: two Python environments with kernels, and others without. */
export const MODULES: IModules = {
  available: true,
  kind: 'lmod',
  reason: null,
  modules: [
    'broken/1.0',
    'gcc/12',
    'python/3.11',
    'pytorch/2.1',
    'tensorboard/2.17',
    'tensorboard/2.18'
  ],
  loaded: [],
  kernels: [
    {
      name: 'module-python-3.11-python3',
      display_name: 'Python 3 (python/3.11)',
      module: 'python/3.11'
    },
    {
      name: 'module-pytorch-2.1-python3',
      display_name: 'Python 3 (pytorch/2.1)',
      module: 'pytorch/2.1'
    }
  ],
  refreshed_at: '2026-11-23T14:00:00+00:00',
  refreshing: false,
  ttl_s: 900
};

import { HPCClient, HPCRequestError } from '../../api/client';
import * as fakes from '../fakes';

describe('HPCClient and environment modules', () => {
  it('reads the modules and the kernels found in them under the base URL', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.modules())
    );
    const client = new HPCClient({ serverSettings: settings });

    const modules = await client.modules();

    expect(calls[0].url).toMatch(
      /^http:\/\/localhost:8888\/user\/alice\/lab%201\/jupyterlab-hpc\/modules(\?\d+)?$/
    );
    expect(calls[0].init.method).toBe('GET');
    expect(modules.kernels.map(kernel => kernel.display_name)).toContain(
      'Python 3 (pytorch/2.1)'
    );
  });

  it('asks for a search with a POST, and passes on why it was refused', async () => {
    let answer = fakes.json(fakes.modules());
    const { settings, calls } = fakes.fakeSettings(() => answer);
    const client = new HPCClient({ serverSettings: settings });

    const modules = await client.refreshModuleKernels();
    expect(calls[0].url).toBe(
      'http://localhost:8888/user/alice/lab%201/jupyterlab-hpc/modules/kernels/refresh'
    );
    expect(calls[0].init.method).toBe('POST');
    expect(modules.available).toBe(true);

    answer = fakes.json(
      { message: 'Environment modules are not available here: no Lmod.' },
      409
    );
    const error = await client.refreshModuleKernels().catch(e => e);
    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.status).toBe(409);
    expect(error.message).toBe(
      'Environment modules are not available here: no Lmod.'
    );
  });
});

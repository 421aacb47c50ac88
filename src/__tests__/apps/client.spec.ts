import { HPCClient, HPCRequestError } from '../../api/client';
import * as fakes from '../fakes';

const BASE = 'http://localhost:8888/user/alice/lab%201/';
const API = `${BASE}jupyterlab-hpc`;

describe('HPCClient, apps routes', () => {
  it('reads the catalogue with its categories, apps, dashboards and links', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.apps())
    );
    const client = new HPCClient({ serverSettings: settings });

    const apps = await client.apps();

    expect(calls[0].url).toMatch(new RegExp(`^${API}/apps(\\?\\d+)?$`));
    expect(apps.categories.map(c => c.name)).toEqual([
      'Notebook',
      'Console',
      'Applications',
      'Dashboards',
      'HPC Tools',
      'Documentation',
      'Other'
    ]);
    expect(apps.apps[0].title).toBe('TensorBoard');
    expect(apps.dashboards[0].default_port).toBe(8787);
  });

  it('posts the arguments as typed and the variables to the endpoint route', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.appLaunch(), 202)
    );
    const client = new HPCClient({ serverSettings: settings });

    const instance = await client.launchApp('tensorboard', 2, {
      args: '--logdir "$WORK/my runs"',
      env: { TF_CPP_MIN_LOG_LEVEL: '2' }
    });

    expect(calls[0].url).toBe(`${API}/apps/tensorboard/2`);
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      args: '--logdir "$WORK/my runs"',
      env: { TF_CPP_MIN_LOG_LEVEL: '2' }
    });
    expect(instance.state).toBe('starting');
  });

  it("gives the server's refusal of the arguments verbatim", async () => {
    const message =
      '$(…) command substitution is not allowed in arguments: $(touch x)';
    const { settings } = fakes.fakeSettings(() => fakes.json({ message }, 400));
    const client = new HPCClient({ serverSettings: settings });

    const error = await client
      .launchApp('tensorboard', 0, { args: '$(touch x)', env: {} })
      .catch(e => e);

    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it('lists the instances and stops one with DELETE', async () => {
    const { settings, calls } = fakes.fakeSettings(url =>
      url.includes('running')
        ? fakes.json(fakes.appsRunning())
        : fakes.text('', 204)
    );
    const client = new HPCClient({ serverSettings: settings });

    const running = await client.runningApps();
    await client.stopApp('tensorboard', 0);

    expect(running.instances[0].open_url).toBe('/tensorboard/0/');
    expect(calls[1].url).toBe(`${API}/apps/tensorboard/0`);
    expect(calls[1].init.method).toBe('DELETE');
  });

  it('reads a log as text, even when it looks like JSON', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.text('{"step": 1}\nTensorBoard 2.16 at http://localhost/\n')
    );
    const client = new HPCClient({ serverSettings: settings });

    const log = await client.appLog('tensorboard', 1);

    expect(calls[0].url).toMatch(
      new RegExp(`^${API}/apps/tensorboard/1/log(\\?\\d+)?$`)
    );
    expect(log).toBe('{"step": 1}\nTensorBoard 2.16 at http://localhost/\n');
  });

  it('checks a dashboard port, and says why when nothing answers', async () => {
    const dead =
      'Nothing answers on port 8788 of this node: start the Dask cluster first.';
    const { settings, calls } = fakes.fakeSettings(() =>
      JSON.parse(String(calls[calls.length - 1].init.body)).port === 8787
        ? fakes.json(fakes.dashboardCheck())
        : fakes.json({ message: dead }, 502)
    );
    const client = new HPCClient({ serverSettings: settings });

    const check = await client.checkDashboard('dask', 8787);
    const error = await client.checkDashboard('dask', 8788).catch(e => e);

    expect(calls[0].url).toBe(`${API}/dashboards/dask`);
    expect(check.url).toBe('/jupyterlab-hpc/proxy/8787/status');
    expect(error.status).toBe(502);
    expect(error.message).toBe(dead);
  });

  it('reads icons under the base URL only, and makes paths absolute', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
    const { settings, calls } = fakes.fakeSettings(() => fakes.text(svg));
    const client = new HPCClient({ serverSettings: settings });

    const text = await client.iconSvg(
      '/user/alice/lab%201/jupyterlab-hpc/apps/icons/t.svg'
    );
    const elsewhere = await Promise.all(
      ['https://example.org/icon.svg', '/other/icon.svg'].map(url =>
        client.iconSvg(url).catch(e => e)
      )
    );

    expect(text).toBe(svg);
    expect(calls.map(c => c.url)).toEqual([`${API}/apps/icons/t.svg`]);
    elsewhere.forEach(error => expect(error).toBeInstanceOf(HPCRequestError));
    expect(client.resolveUrl('/tensorboard/0/?a=1')).toBe(
      'http://localhost:8888/tensorboard/0/?a=1'
    );
  });
});

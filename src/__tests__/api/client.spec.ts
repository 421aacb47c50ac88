import { HPCClient, HPCRequestError } from '../../api/client';
import * as fakes from '../fakes';

describe('HPCClient', () => {
  it('asks the routes under a non-root base URL and returns their JSON', async () => {
    // Given a server under a JupyterHub-like prefix with a space in it
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.metrics())
    );
    const client = new HPCClient({ serverSettings: settings });

    // When the metrics are read
    const metrics = await client.metrics();

    // Then the request went to the prefixed route and the answer is typed data
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe(
      'http://localhost:8888/user/alice/lab%201/jupyterlab-hpc/metrics'
    );
    expect(metrics.memory.limit_bytes).toBe(5368709120);
  });

  it('lets the browser cache share metrics between tabs, but not info', async () => {
    const { settings, calls } = fakes.fakeSettings(url =>
      fakes.json(url.includes('info') ? fakes.info() : fakes.metrics())
    );
    const client = new HPCClient({ serverSettings: settings });

    await client.metrics();
    await client.info();

    expect(calls[0].init.cache).toBe('default');
    // info keeps JupyterLab's no-store default, which adds a cache buster
    expect(calls[1].url).toMatch(/jupyterlab-hpc\/info\?\d+$/);
  });

  it('sends `since` as an ISO time for the history', async () => {
    const { settings, calls } = fakes.fakeSettings(() =>
      fakes.json(fakes.history())
    );
    const client = new HPCClient({ serverSettings: settings });

    const history = await client.history(new Date('2026-11-23T09:00:00Z'));

    expect(calls[0].url).toContain(
      'metrics/history?since=2026-11-23T09%3A00%3A00.000Z'
    );
    expect(history.samples).toHaveLength(2);
  });

  it('turns a 400 into a typed client error carrying the server message', async () => {
    const { settings } = fakes.fakeSettings(() =>
      fakes.json(
        { message: 'since must be an ISO 8601 time', reason: null },
        400
      )
    );
    const client = new HPCClient({ serverSettings: settings });

    const error = await client.history().catch(e => e);

    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.status).toBe(400);
    expect(error.isClientError).toBe(true);
    expect(error.isServerError).toBe(false);
    expect(error.message).toBe('since must be an ISO 8601 time');
  });

  it('ends the session with a POST under the base URL, and says why it could not', async () => {
    // Given a server under a hub's prefix that accepts, then refuses
    let answer = fakes.json(
      { message: 'The hub is stopping your server.' },
      202
    );
    const { settings, calls } = fakes.fakeSettings(() => answer);
    const client = new HPCClient({ serverSettings: settings });

    // When the session is ended, the POST goes to the route and the message comes back
    const result = await client.endSession();
    expect(calls[0].url).toBe(
      'http://localhost:8888/user/alice/lab%201/jupyterlab-hpc/session/end'
    );
    expect(calls[0].init.method).toBe('POST');
    expect(result.message).toBe('The hub is stopping your server.');

    // and a refusal (409 outside a hub or a job) rejects with the server's text
    answer = fakes.json({ message: 'This server runs in no Slurm job.' }, 409);
    const error = await client.endSession().catch(e => e);
    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.status).toBe(409);
    expect(error.message).toBe('This server runs in no Slurm job.');
  });

  it('turns a 500 without JSON into a typed server error', async () => {
    const { settings } = fakes.fakeSettings(() =>
      fakes.text('<html>Internal Server Error</html>', 500)
    );
    const client = new HPCClient({ serverSettings: settings });

    const error = await client.metrics().catch(e => e);

    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.isServerError).toBe(true);
    expect(error.message).toMatch(/^500/);
  });

  it('reports a missing server extension as a 404', async () => {
    const { settings } = fakes.fakeSettings(() => fakes.text('', 404));
    const client = new HPCClient({ serverSettings: settings });

    const error = await client.info().catch(e => e);

    expect(error.status).toBe(404);
    expect(error.message).toBe('404 Not Found');
  });

  it('turns a failed connection into a network error', async () => {
    const { settings } = fakes.fakeSettings(() => {
      throw new TypeError('Failed to fetch');
    });
    const client = new HPCClient({ serverSettings: settings });

    const error = await client.metrics().catch(e => e);

    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.isNetworkError).toBe(true);
    expect(error.message).toContain('could not be reached');
  });

  it('refuses a 200 answer that is not JSON', async () => {
    const { settings } = fakes.fakeSettings(() => fakes.text('<html></html>'));
    const client = new HPCClient({ serverSettings: settings });

    await expect(client.metrics()).rejects.toThrow(/not JSON/);
  });
});

import { HPCRequestError } from '../../api/client';
import { SlurmPanel } from '../../slurm/panel';
import { HISTORY, job, JOBS } from './contract';
import * as fakes from '../fakes';
import { copy, find, ids, openPanel, rows, type } from './utils';
import { waitFor } from '../wait';

describe('SlurmPanel', () => {
  let client: fakes.FakeClient;
  let panel: SlurmPanel;

  beforeEach(() => {
    client = new fakes.FakeClient();
    // The contract's example has one job of each kind these tests need.
    client.nextJobs = async scope => ({ ...copy(JOBS), scope });
  });

  afterEach(() => {
    panel?.model?.dispose();
    panel?.dispose();
    jest.restoreAllMocks();
  });

  it("renders the server's golden answer exactly", async () => {
    const golden = fakes.slurmJobs();
    client.nextJobs = async () => golden;
    ({ panel } = await openPanel(client));

    // Sorted by id, as the table starts
    const sorted = golden.jobs
      .slice()
      .sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
    expect(ids(panel)).toEqual(sorted.map(job => job.id));
    rows(panel).forEach((row, i) => {
      const job = sorted[i];
      expect(find(row, 'jp-hpc-SlurmJob-name').textContent).toBe(job.name);
      expect(find(row, 'jp-hpc-SlurmState').textContent).toBe(job.state);
      expect(row.querySelector('.jp-hpc-SlurmHeld') !== null).toBe(job.held);
    });
  });

  it('is a sidebar panel with an icon and a caption', async () => {
    ({ panel } = await openPanel(client));

    expect(panel.id).toBe('jupyterlab-hpc-slurm');
    expect(panel.title.caption).toBe('Slurm jobs');
    expect(panel.title.icon).toBeTruthy();
  });

  it('shows one row per job, with state badges, arrays and held jobs', async () => {
    ({ panel } = await openPanel(client));

    expect(rows(panel)).toHaveLength(JOBS.jobs.length);
    const row = rows(panel).find(row => row.dataset.jobId === '1236_[1-3]')!;
    expect(find(row, 'jp-hpc-SlurmJob-details').textContent).toBe('1236_[1-3]');
    expect(find(row, 'jp-hpc-SlurmState').className).toBe(
      'jp-hpc-SlurmState jp-mod-pending'
    );
    const held = rows(panel).find(row => row.dataset.jobId === '1237')!;
    expect(find(held, 'jp-hpc-SlurmHeld').textContent).toBe('held');
    expect(find(held, 'jp-hpc-SlurmJob-time').textContent).toBe(
      '0:00 / unlimited'
    );
    const running = rows(panel).find(row => row.dataset.jobId === '1234')!;
    expect(find(running, 'jp-hpc-SlurmState').classList).toContain(
      'jp-mod-running'
    );
    expect(running.querySelector('.jp-hpc-SlurmHeld')).toBeNull();
  });

  it('renders names exactly: spaces, pipes, tags, quotes and unicode', async () => {
    const names = [
      '  two  spaces  ',
      'a|b|c',
      '<b>bold</b><img src=x onerror=alert(1)>',
      '"double" & \'single\'',
      'ünïcödé 🚀 名前'
    ];
    client.nextJobs = async scope => ({
      ...JOBS,
      scope,
      jobs: names.map((name, i) => job({ id: String(100 + i), name }))
    });
    ({ panel } = await openPanel(client));

    const cells = rows(panel).map(row => find(row, 'jp-hpc-SlurmJob-name'));
    expect(cells.map(cell => cell.textContent)).toEqual(names);
    expect(cells.map(cell => cell.title)).toEqual(names);
    expect(panel.node.querySelector('.jp-hpc-SlurmTable b, img')).toBeNull();
  });

  it('sorts by a column header, then the other way, and says so', async () => {
    ({ panel } = await openPanel(client));
    const header = find(panel.node, 'jp-hpc-SlurmTable-name');
    const button = find<HTMLButtonElement>(header, 'jp-hpc-SlurmTable-sort');
    const byName = (ascending: boolean) =>
      JOBS.jobs
        .slice()
        .sort(
          (a, b) =>
            (ascending ? 1 : -1) *
            a.name.localeCompare(b.name, undefined, { numeric: true })
        )
        .map(job => job.id);

    expect(
      find(panel.node, 'jp-hpc-SlurmTable-id').getAttribute('aria-sort')
    ).toBe('ascending');
    button.click();
    await waitFor(() => {
      expect(ids(panel)).toEqual(byName(true));
      expect(header.getAttribute('aria-sort')).toBe('ascending');
    });

    button.click();
    await waitFor(() => {
      expect(ids(panel)).toEqual(byName(false));
      expect(header.getAttribute('aria-sort')).toBe('descending');
      expect(
        find(panel.node, 'jp-hpc-SlurmTable-id').getAttribute('aria-sort')
      ).toBe('none');
    });
  });

  it('filters on id, name, state, partition and reason', async () => {
    ({ panel } = await openPanel(client));
    const filter = find<HTMLInputElement>(
      panel.node,
      'jp-hpc-SlurmPanel-filter'
    );

    type(filter, 'jobheld');
    await waitFor(() => {
      expect(ids(panel)).toEqual(['1237']);
    });

    type(filter, '1236_[');
    await waitFor(() => {
      expect(ids(panel)).toEqual(['1236_[1-3]']);
    });

    type(filter, 'no such job');
    await waitFor(() => {
      expect(rows(panel)).toHaveLength(0);
      expect(find(panel.node, 'jp-hpc-SlurmPanel-empty').textContent).toBe(
        'No jobs match the filter.'
      );
    });
  });

  it('says so when the queue is empty', async () => {
    client.nextJobs = async scope => ({ ...JOBS, scope, jobs: [] });
    ({ panel } = await openPanel(client));

    expect(panel.node.querySelector('.jp-hpc-SlurmTable')).toBeNull();
    expect(find(panel.node, 'jp-hpc-SlurmPanel-empty').textContent).toBe(
      'No jobs in the queue.'
    );
  });

  it('shows a 503 as an error with Retry, never as an empty queue', async () => {
    const calls = jest
      .fn()
      .mockRejectedValueOnce(
        new HPCRequestError({
          status: 503,
          message: 'squeue: error: Unable to contact slurm controller',
          url: 'http://localhost/jupyterlab-hpc/slurm/jobs'
        })
      )
      .mockImplementation(async () => JOBS);
    client.nextJobs = calls;
    ({ panel } = await openPanel(client));

    const error = find(panel.node, 'jp-hpc-SlurmPanel-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain(
      'squeue: error: Unable to contact slurm controller'
    );
    expect(panel.node.querySelector('.jp-hpc-SlurmPanel-empty')).toBeNull();
    expect(panel.node.querySelector('.jp-hpc-SlurmTable')).toBeNull();

    find<HTMLButtonElement>(error, 'jp-hpc-SlurmPanel-retry').click();
    await waitFor(() => {
      expect(calls).toHaveBeenCalledTimes(2);
      expect(panel.node.querySelector('.jp-hpc-SlurmPanel-error')).toBeNull();
      expect(rows(panel).length).toBeGreaterThan(0);
    });
  });

  it('tells the age of the data, and warns when they are stale', async () => {
    const fetched = Date.parse(JOBS.fetched_at!);
    jest.spyOn(Date, 'now').mockReturnValue(fetched + 12000);
    client.nextJobs = async scope => ({
      ...JOBS,
      scope,
      stale: true,
      error: 'squeue: error: Unable to contact slurm controller'
    });
    ({ panel } = await openPanel(client));

    expect(find(panel.node, 'jp-hpc-SlurmPanel-age').textContent).toBe(
      'Updated 12 s ago'
    );
    const banner = find(panel.node, 'jp-hpc-SlurmPanel-stale');
    expect(banner.textContent).toContain('12 s ago');
    expect(banner.textContent).toContain(
      'squeue: error: Unable to contact slurm controller'
    );
    expect(rows(panel).length).toBeGreaterThan(0);
  });

  it('switches between my jobs and all jobs, with their owners', async () => {
    ({ panel } = await openPanel(client));
    const all = find<HTMLButtonElement>(
      panel.node,
      'jp-hpc-SlurmPanel-scope-all'
    );
    expect(all.getAttribute('aria-pressed')).toBe('false');
    expect(panel.node.querySelector('.jp-hpc-SlurmTable-user')).toBeNull();

    all.click();
    await waitFor(() => {
      expect(client.jobsCalls).toEqual(['mine', 'all']);
      expect(all.getAttribute('aria-pressed')).toBe('true');
      expect(
        panel.node.querySelector('.jp-hpc-SlurmTable-user')
      ).not.toBeNull();
    });
  });

  it('shows the history, or why there is none', async () => {
    client.nextSlurmHistory = async () => ({
      available: false,
      source: null,
      reason: 'Job accounting is not enabled on this cluster.',
      jobs: [],
      emission_factor_g_per_kwh: null
    });
    ({ panel } = await openPanel(client));

    find<HTMLButtonElement>(
      panel.node,
      'jp-hpc-SlurmPanel-tab-history'
    ).click();
    await waitFor(() => {
      expect(
        find(panel.node, 'jp-hpc-SlurmHistory-unavailable').textContent
      ).toBe('Job accounting is not enabled on this cluster.');
    });
  });

  it('lists finished jobs in the History tab', async () => {
    ({ panel } = await openPanel(client));

    find<HTMLButtonElement>(
      panel.node,
      'jp-hpc-SlurmPanel-tab-history'
    ).click();

    const history = fakes.slurmHistory();
    await waitFor(() =>
      expect(
        panel.node.querySelectorAll('.jp-hpc-SlurmHistory-job')
      ).toHaveLength(history.jobs.length)
    );
    const shown = panel.node.querySelectorAll('.jp-hpc-SlurmHistory-job');
    expect(shown).toHaveLength(history.jobs.length);
    const queue = panel.node.querySelector<HTMLElement>(
      '#jupyterlab-hpc-slurm-view-queue'
    );
    expect(queue?.hidden).toBe(true);
  });

  it('tells what seff would of each finished job, and where the history comes from', async () => {
    ({ panel } = await openPanel(client));
    find<HTMLButtonElement>(
      panel.node,
      'jp-hpc-SlurmPanel-tab-history'
    ).click();
    await waitFor(() =>
      expect(
        panel.node.querySelectorAll('.jp-hpc-SlurmHistory-job')
      ).toHaveLength(fakes.slurmHistory().jobs.length)
    );
    const job = (id: string) =>
      panel.node.querySelector<HTMLElement>(
        `.jp-hpc-SlurmHistory-job[data-job-id="${id}"]`
      )!;

    expect(find(panel.node, 'jp-hpc-SlurmHistory-source').textContent).toBe(
      'from sacct: the Slurm accounting database'
    );
    // 1230: 42 min of its hour, 90 % of its 4 CPUs busy, energy not accounted
    const done = job('1230');
    expect(find(done, 'jp-hpc-SlurmHistory-elapsed').textContent).toBe(
      '42 min of 1 h'
    );
    const efficiency = find(done, 'jp-hpc-SlurmHistory-efficiency');
    expect(efficiency.textContent).toBe('90 %');
    expect(efficiency.classList).not.toContain('jp-mod-warn');
    expect(find(done, 'jp-hpc-SlurmHistory-memory').textContent).toBe(
      '1.7 of 4.0 GiB'
    );
    expect(find(done, 'jp-hpc-SlurmHistory-energy').textContent).toBe(
      'not measured'
    );
    // 1231: measured energy and its CO2, the factor in the title
    const energy = find(job('1231'), 'jp-hpc-SlurmHistory-energy');
    expect(energy.textContent).toBe('1.10 kWh · 60.5 g CO2e');
    expect(energy.title).toBe('CO2 at 55 g CO2e per kWh');
    // 1232 never ran: no efficiency, no memory
    expect(
      find(job('1232'), 'jp-hpc-SlurmHistory-efficiency').textContent
    ).toBe('');
  });

  it('warns of a low CPU efficiency, and labels a job completion file', async () => {
    client.nextSlurmHistory = async () => copy(HISTORY);
    ({ panel } = await openPanel(client));
    find<HTMLButtonElement>(
      panel.node,
      'jp-hpc-SlurmPanel-tab-history'
    ).click();

    await waitFor(() =>
      expect(
        find(panel.node, 'jp-hpc-SlurmHistory-efficiency').textContent
      ).toBe('40 %')
    );
    expect(
      find(panel.node, 'jp-hpc-SlurmHistory-efficiency').classList
    ).toContain('jp-mod-warn');
    expect(find(panel.node, 'jp-hpc-SlurmHistory-source').textContent).toBe(
      'from sacct -c: job completion file; names may be cut'
    );
    expect(find(panel.node, 'jp-hpc-SlurmHistory-memory').textContent).toBe(
      '100.0 of 512.0 MiB'
    );
  });
});

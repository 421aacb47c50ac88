import { SlurmPanel } from '../../slurm/panel';
import * as fakes from '../fakes';
import { find, openPanel, resize, rows } from './utils';
import { waitFor } from '../wait';

/** The golden queue: a running job, a pending array, a held job. */
const golden = fakes.slurmJobs();
const fetched = Date.parse(golden.fetched_at!);

describe('SlurmPanel at sidebar width', () => {
  let client: fakes.FakeClient;
  let panel: SlurmPanel;

  beforeEach(() => {
    client = new fakes.FakeClient();
    client.nextJobs = async scope => ({ ...fakes.slurmJobs(), scope });
    // As if it were the moment the server read the queue.
    jest.spyOn(Date, 'now').mockReturnValue(fetched);
  });

  afterEach(() => {
    panel?.model?.dispose();
    panel?.dispose();
    jest.restoreAllMocks();
  });

  it('shows compact rows and one toolbar line when narrow, the table when widened', async () => {
    ({ panel } = await openPanel(client));
    expect(panel.node.querySelector('.jp-hpc-SlurmTable')).not.toBeNull();

    // When the sidebar lays it out at its default width
    resize(panel, 280);
    await waitFor(() =>
      expect(panel.node.querySelector('.jp-hpc-SlurmCompact')).not.toBeNull()
    );

    // Then one compact row per job, no table, and one toolbar with the filter in it
    expect(panel.narrow).toBe(true);
    expect(panel.hasClass('jp-mod-narrow')).toBe(true);
    expect(panel.node.querySelector('.jp-hpc-SlurmTable')).toBeNull();
    expect(rows(panel)).toHaveLength(golden.jobs.length);
    const toolbars = panel.node.querySelectorAll(
      '.jp-hpc-SlurmQueue .jp-hpc-SlurmPanel-toolbar'
    );
    expect(toolbars).toHaveLength(1);
    expect(
      toolbars[0].querySelector('.jp-hpc-SlurmPanel-filter')
    ).not.toBeNull();
    expect(panel.node.querySelector('.jp-hpc-SlurmPanel-controls')).toBeNull();
    // The buttons are icons, named for screen readers; the rest is under More.
    const refresh = find(panel.node, 'jp-hpc-SlurmPanel-refresh');
    expect(refresh.getAttribute('aria-label')).toBe('Refresh');
    expect(refresh.textContent).toBe('');
    expect(panel.node.querySelector('.jp-hpc-SlurmPanel-hold')).toBeNull();
    expect(
      find(panel.node, 'jp-hpc-SlurmPanel-more').getAttribute('aria-haspopup')
    ).toBe('menu');

    // When it is widened again
    resize(panel, 700);
    await waitFor(() =>
      expect(panel.node.querySelector('.jp-hpc-SlurmTable')).not.toBeNull()
    );
    expect(panel.narrow).toBe(false);
    expect(panel.node.querySelector('.jp-hpc-SlurmCompact')).toBeNull();
    expect(find(panel.node, 'jp-hpc-SlurmPanel-hold').textContent).toBe('Hold');
  });

  it('keeps its layout while it has no width yet (hidden)', async () => {
    ({ panel } = await openPanel(client));
    resize(panel, 280);
    await waitFor(() => panel.narrow);

    resize(panel, 0);

    expect(panel.narrow).toBe(true);
  });

  it('tells a running job its time left, a pending one its start and place', async () => {
    ({ panel } = await openPanel(client));
    resize(panel, 280);
    await waitFor(() =>
      expect(panel.node.querySelector('.jp-hpc-SlurmCompact')).not.toBeNull()
    );
    const row = (id: string) =>
      rows(panel).find(row => row.dataset.jobId === id)!;

    // 1237 runs since 1:02:03 of its 20 h
    const running = row('1237');
    expect(find(running, 'jp-hpc-SlurmJob-name').textContent).toBe(
      'train model | run "a"'
    );
    expect(find(running, 'jp-hpc-SlurmJob-name').title).toBe(
      'train model | run "a"'
    );
    expect(find(running, 'jp-hpc-SlurmState').textContent).toBe('RUNNING');
    expect(find(running, 'jp-hpc-SlurmJob-when').textContent).toBe(
      '18 h 57 min left'
    );

    // 1236_[1-3] should start at 11:40 UTC, 2 h 25 min after the read
    const pending = row('1236_[1-3]');
    const when = find(pending, 'jp-hpc-SlurmJob-when');
    expect(when.textContent).toMatch(/^starts ≈ .+ \(in 2 h 25 min\)$/);
    expect(when.title).toBe(
      "waiting for higher-priority jobs · 3rd in cpu_p1's queue (Priority)"
    );

    // 1241 is held, without an estimate: why it waits instead
    const held = row('1241');
    expect(find(held, 'jp-hpc-SlurmJob-when').textContent).toBe('held by you');
    expect(find(held, 'jp-hpc-SlurmHeld').textContent).toBe('held');
  });

  it('shows the reason in words and the start in the full table too', async () => {
    ({ panel } = await openPanel(client));
    const pending = rows(panel).find(
      row => row.dataset.jobId === '1236_[1-3]'
    )!;

    const reason = find(pending, 'jp-hpc-SlurmJob-reason');
    expect(reason.textContent).toBe(
      "waiting for higher-priority jobs · 3rd in cpu_p1's queue"
    );
    expect(reason.title).toBe('Priority');
    expect(find(pending, 'jp-hpc-SlurmJob-start').textContent).toMatch(
      /^≈ .+ \(in 2 h 25 min\)$/
    );
    const running = rows(panel).find(row => row.dataset.jobId === '1237')!;
    expect(find(running, 'jp-hpc-SlurmJob-start').textContent).toBe(
      '18 h 57 min left'
    );
  });

  it('shows finished jobs compactly, with their efficiency', async () => {
    ({ panel } = await openPanel(client));
    resize(panel, 280);
    find<HTMLButtonElement>(
      panel.node,
      'jp-hpc-SlurmPanel-tab-history'
    ).click();

    await waitFor(() =>
      expect(
        panel.node.querySelectorAll(
          '.jp-hpc-SlurmHistory-job.jp-hpc-SlurmCompact-job'
        )
      ).toHaveLength(fakes.slurmHistory().jobs.length)
    );
    const job = panel.node.querySelector<HTMLElement>(
      '.jp-hpc-SlurmHistory-job[data-job-id="1230"]'
    )!;
    expect(find(job, 'jp-hpc-SlurmHistory-elapsed').textContent).toBe(
      '42 min of 1 h'
    );
    expect(find(job, 'jp-hpc-SlurmHistory-efficiency').textContent).toBe(
      'CPU 90 %'
    );
    expect(find(job, 'jp-hpc-SlurmHistory-memory').textContent).toBe(
      '1.7 of 4.0 GiB'
    );
  });
});

import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

/** The fake cgroup tree the test server reads (see jupyter_server_test_config.py). */
const JOB = path.resolve(__dirname, '..', '.jupyter-tmp', 'cgroup', 'job');
const QUOTA = path.join(JOB, 'cpu.max');
const STAT = path.join(JOB, 'cpu.stat');

test.describe('CPU meter', () => {
  test.afterEach(() => {
    for (const file of [QUOTA, STAT]) {
      fs.rmSync(file, { force: true });
    }
  });

  test("shows the cores busy against the job's quota, with its source", async ({
    page
  }) => {
    // A job allowed one and a half cores, whose cgroup counts 0.75 s of CPU per second.
    fs.writeFileSync(QUOTA, '150000 100000\n');
    // The counter follows the wall clock (0.75 s of CPU per second), whatever the timers'
    // delays on a busy machine: only how fresh it is when sampled varies.
    const start = Date.now();
    const write = () =>
      fs.writeFileSync(STAT, `usage_usec ${(Date.now() - start) * 750}\n`);
    write();
    const counting = setInterval(write, 50);
    try {
      const meter = page.locator('#jp-main-statusbar .jp-hpc-CpuMeter');
      await expect(meter).toHaveText(/^CPU[\d.]+ \/ 1\.5 cores$/, {
        timeout: 30 * 1000
      });
      await expect(meter).toHaveAttribute('title', /cgroup/);
      await expect(meter).toHaveAttribute('title', /cpu\.max/);
      // About 0.75 of the 1.5 cores (the writes and the samples are not in step).
      const used = Number(
        (await meter.textContent())!.match(/^CPU([\d.]+)/)![1]
      );
      expect(used).toBeGreaterThan(0.3);
      expect(used).toBeLessThan(1.2);
    } finally {
      clearInterval(counting);
    }
  });
});

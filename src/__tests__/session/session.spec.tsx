import { JupyterFrontEnd } from '@jupyterlab/application';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IInfo } from '../../api/types';
import { IMeterRegistry } from '../../meters/tokens';
import {
  formatEnding,
  formatLimit,
  formatTimeLeft
} from '../../session/format';
import { SessionJob, SessionModel } from '../../session/model';
import { sessionPlugin } from '../../session/plugin';
import { SessionMeter } from '../../session/widget';
import * as fakes from '../fakes';

const trans = nullTranslator.load('jupyterlab_hpc');
const START = Date.parse('2026-11-23T09:00:00.000Z');
const MINUTE = 60 * 1000;

/** `GET info` inside job 1234, ending `minutes` after START. */
function infoWithJob(minutes: number | null): IInfo {
  return {
    ...fakes.info(),
    job: {
      id: '1234',
      time_limit_s: 7200,
      end_time:
        minutes === null
          ? null
          : new Date(START + minutes * MINUTE).toISOString()
    }
  };
}

describe('session format', () => {
  it('says the time left in days, hours and minutes, rounded down', () => {
    expect(
      [4320, 4379, 600, 59, 0, -5, 90000].map(s => formatTimeLeft(s, trans))
    ).toEqual([
      '1h 12m left',
      '1h 12m left',
      '10m left',
      '<1m left',
      'time is up',
      'time is up',
      '1d 1h left'
    ]);
    expect(formatLimit(7200, trans)).toBe('2h 0m');
    expect(formatLimit(null, trans)).toBe('unlimited');
    expect(formatEnding('1234', 10, trans)).toBe(
      'Your Slurm job 1234 ends in 10 minutes: save your work.'
    );
    expect(formatEnding('1234', 1, trans)).toBe(
      'Your Slurm job 1234 ends in 1 minute: save your work.'
    );
  });
});

describe('SessionModel', () => {
  let client: fakes.FakeClient;
  let model: SessionModel;
  let notify: jest.Mock<void, [SessionJob, number]>;

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    client = new fakes.FakeClient();
    notify = jest.fn();
  });

  afterEach(() => {
    model?.dispose();
    jest.useRealTimers();
  });

  it('warns under 15 minutes and notifies at 10 and 2 minutes, once each', async () => {
    client.info = async () => infoWithJob(20);
    model = new SessionModel({ client, notify });
    await jest.advanceTimersByTimeAsync(100);

    expect(model.available).toBe(true);
    expect(Math.round(model.remaining!)).toBe(20 * 60);
    expect(model.warn).toBe(false);

    await jest.advanceTimersByTimeAsync(6 * MINUTE);
    expect(model.warn).toBe(true);
    expect(notify).not.toHaveBeenCalled();

    await jest.advanceTimersByTimeAsync(4 * MINUTE);
    expect(
      notify.mock.calls.map(([job, minutes]) => [job.id, minutes])
    ).toEqual([['1234', 10]]);

    await jest.advanceTimersByTimeAsync(9 * MINUTE);
    expect(notify.mock.calls.map(([, minutes]) => minutes)).toEqual([10, 2]);

    await jest.advanceTimersByTimeAsync(5 * MINUTE);
    expect(notify).toHaveBeenCalledTimes(2);
    expect(model.remaining!).toBeLessThan(0);
  });

  it('notifies once, with the real time left, when opened late', async () => {
    client.info = async () => infoWithJob(5);
    model = new SessionModel({ client, notify });
    await jest.advanceTimersByTimeAsync(2 * MINUTE);

    expect(notify.mock.calls.map(([, minutes]) => minutes)).toEqual([5]);
  });

  it('notifies again when the job is extended past a threshold', async () => {
    let end = 11;
    client.info = async () => infoWithJob(end);
    model = new SessionModel({ client, notify });
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    expect(notify).toHaveBeenCalledTimes(1);

    // An admin adds an hour; the next info read (every minute) sees it
    end = 71;
    await jest.advanceTimersByTimeAsync(61 * MINUTE);

    expect(notify.mock.calls.map(([, minutes]) => minutes)).toEqual([10, 10]);
  });

  it('follows the settings', async () => {
    client.info = async () => infoWithJob(30);
    model = new SessionModel({ client, notify });
    model.warnMinutes = 45;
    model.notifyMinutes = [30, -1, 5];
    await jest.advanceTimersByTimeAsync(100);

    expect(model.warn).toBe(true);
    expect(model.notifyMinutes).toEqual([30, 5]);
    expect(notify.mock.calls.map(([, minutes]) => minutes)).toEqual([30]);
  });

  it('stops asking outside a job', async () => {
    const info = jest.spyOn(client, 'info');
    model = new SessionModel({ client, notify });
    await jest.advanceTimersByTimeAsync(10 * MINUTE);

    expect(info).toHaveBeenCalledTimes(1);
    expect(model.available).toBe(false);
  });
});

describe('SessionMeter', () => {
  let client: fakes.FakeClient;
  let model: SessionModel;
  let meter: SessionMeter;

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    client = new fakes.FakeClient();
  });

  afterEach(() => {
    meter.dispose();
    model.dispose();
    jest.useRealTimers();
  });

  async function show(info: IInfo): Promise<void> {
    client.info = async () => info;
    model = new SessionModel({ client, notify: jest.fn() });
    meter = new SessionMeter({ model, trans });
    Widget.attach(meter, document.body);
    await jest.advanceTimersByTimeAsync(100);
  }

  it('shows the job and the time left, with the end and limit in the tooltip', async () => {
    await show(infoWithJob(72.5));

    expect(meter.node.textContent).toBe('Job 1234· 1h 12m left');
    expect(meter.hasClass('jp-mod-warn')).toBe(false);
    const lines = meter.node.title.split('\n');
    expect(lines[0]).toBe('Slurm job 1234');
    expect(lines[1]).toBe(
      `Ends at ${new Date(START + 72.5 * MINUTE).toLocaleString()}`
    );
    expect(lines[2]).toBe('Time limit: 2h 0m');
  });

  it('turns to its warning style under 15 minutes', async () => {
    await show(infoWithJob(14.5));

    expect(meter.hasClass('jp-mod-warn')).toBe(true);
    expect(meter.node.textContent).toBe('Job 1234· 14m left');
  });

  it('shows the job alone when Slurm gives no end time', async () => {
    await show(infoWithJob(null));

    expect(meter.node.textContent).toBe('Job 1234');
    expect(meter.node.title).toContain(
      'Slurm has not said when this job ends.'
    );
  });
});

describe('sessionPlugin', () => {
  it('adds the job item first among the meters', () => {
    const meters = { add: jest.fn() };
    sessionPlugin.activate(
      {} as JupyterFrontEnd,
      new fakes.FakeClient(),
      meters as unknown as IMeterRegistry,
      null,
      null
    );

    const [meter] = meters.add.mock.calls[0] as [IMeterRegistry.IMeter];
    expect(meter.id).toBe('jupyterlab-hpc:session');
    expect(meter.rank).toBe(0);
    const widget = meter.createWidget();
    expect(widget).toBeInstanceOf(SessionMeter);
    widget.dispose();
    (meter.model as SessionModel).dispose();
  });
});

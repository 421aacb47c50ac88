import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { ISlurmEvent } from '../../api/types';
import { CLAIMS_KEY, SlurmNotifier, describeEvent } from '../../slurm/notify';
import { ISlurmQueueModel } from '../../slurm/tokens';

const trans = nullTranslator.load('jupyterlab_hpc');

/** One event of job 1234 "train". */
function event(
  kind: ISlurmEvent['kind'],
  change: Partial<ISlurmEvent> = {}
): ISlurmEvent {
  return {
    seq: 7,
    kind,
    id: '1234',
    name: 'train',
    state: kind.toUpperCase(),
    exit_code: null,
    time: '2026-11-23T09:14:50.000Z',
    ...change
  };
}

/** What a queue model's `eventsReceived` carries, without the model. */
class EventSource {
  eventsReceived = new Signal<ISlurmQueueModel, readonly ISlurmEvent[]>(
    this as unknown as ISlurmQueueModel
  );
  get model(): ISlurmQueueModel {
    return this as unknown as ISlurmQueueModel;
  }
}

/** A localStorage of its own, shared by the "tabs" of one test. */
class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  get storage(): Storage {
    return this as unknown as Storage;
  }
}

describe('describeEvent', () => {
  const cases: [ISlurmEvent, string, string][] = [
    [event('started'), 'info', 'Job 1234 (train) started'],
    [
      event('completed', { exit_code: '0:0' }),
      'success',
      'Job 1234 (train) completed'
    ],
    [
      event('failed', { exit_code: '2:0' }),
      'error',
      'Job 1234 (train) failed (exit code 2)'
    ],
    [
      event('failed', { exit_code: '0:9' }),
      'error',
      'Job 1234 (train) failed (exit code 0, signal 9)'
    ],
    [event('failed'), 'error', 'Job 1234 (train) failed'],
    [
      event('out_of_memory', { exit_code: '0:125' }),
      'error',
      'Job 1234 (train) was killed: out of memory'
    ],
    [event('timeout'), 'warning', 'Job 1234 (train) reached its time limit'],
    [event('cancelled'), 'info', 'Job 1234 (train) was cancelled'],
    [event('requeued'), 'info', 'Job 1234 (train) was requeued'],
    [event('started', { name: '' }), 'info', 'Job 1234 started']
  ];
  it.each(cases.map(([given, type, message]) => ({ given, type, message })))(
    '$given.kind, exit $given.exit_code: $type "$message"',
    ({ given, type, message }) => {
      expect(describeEvent(given, trans)).toMatchObject({ type, message });
    }
  );

  it('keeps failures on screen until dismissed, and lets the rest go', () => {
    expect(describeEvent(event('out_of_memory'), trans).autoClose).toBe(false);
    expect(describeEvent(event('failed'), trans).autoClose).toBe(false);
    expect(describeEvent(event('timeout'), trans).autoClose).toBe(false);
    expect(describeEvent(event('started'), trans).autoClose).toBeGreaterThan(0);
  });
});

describe('SlurmNotifier', () => {
  let source: EventSource;
  let storage: MemoryStorage;
  let notifiers: SlurmNotifier[];

  beforeEach(() => {
    source = new EventSource();
    storage = new MemoryStorage();
    notifiers = [];
  });

  afterEach(() => {
    notifiers.forEach(notifier => notifier.dispose());
    Notification.manager.dismiss();
  });

  /** A notifier of one tab. */
  function notifier(options: Partial<SlurmNotifier.IOptions> = {}) {
    const created = new SlurmNotifier({
      model: source.model,
      trans,
      storage: storage.storage,
      ...options
    });
    notifiers.push(created);
    return created;
  }

  it('shows each event, with a "Show" action', () => {
    const show = jest.fn();
    notifier({ show });

    source.eventsReceived.emit([
      event('started', { seq: 41 }),
      event('out_of_memory', { seq: 42, time: '2026-11-23T09:20:00.000Z' })
    ]);

    const shown = Notification.manager.notifications;
    expect(shown.map(n => [n.type, n.message])).toEqual(
      expect.arrayContaining([
        ['info', 'Job 1234 (train) started'],
        ['error', 'Job 1234 (train) was killed: out of memory']
      ])
    );
    expect(shown).toHaveLength(2);
    const oom = shown.find(n => n.type === 'error')!;
    expect(oom.options.autoClose).toBe(false);
    const [action] = oom.options.actions!;
    expect(action.label).toBe('Show');
    action.callback(new MouseEvent('click'));
    expect(show).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'out_of_memory', id: '1234' })
    );
  });

  it('shows nothing with the setting off', () => {
    notifier().enabled = false;

    source.eventsReceived.emit([event('failed', { exit_code: '1:0' })]);

    expect(Notification.manager.notifications).toHaveLength(0);
  });

  it('shows an event once however many tabs receive it', () => {
    notifier();
    notifier();

    source.eventsReceived.emit([event('completed')]);

    expect(Notification.manager.notifications).toHaveLength(1);
    expect(JSON.parse(storage.getItem(CLAIMS_KEY)!)).toHaveLength(1);
  });

  it('shows it in every tab where the browser keeps no storage', () => {
    notifier({ storage: null });
    notifier({ storage: null });

    source.eventsReceived.emit([event('completed')]);

    expect(Notification.manager.notifications).toHaveLength(2);
  });

  it('shows nothing once disposed', () => {
    notifier().dispose();

    source.eventsReceived.emit([event('timeout')]);

    expect(Notification.manager.notifications).toHaveLength(0);
  });
});

import {
  actionIds,
  expandRange,
  filterJobs,
  sortJobs,
  stateModifier
} from '../../slurm/jobs';
import { formatAge, formatDuration } from '../../slurm/format';
import { job } from './contract';
import { trans } from './utils';

describe('job helpers', () => {
  it('names state badges with letters only', () => {
    expect(
      ['RUNNING', 'NODE_FAIL', 'OUT_OF_MEMORY', 'CANCELLED by 1001', ''].map(
        stateModifier
      )
    ).toEqual(['running', 'nodefail', 'outofmemory', 'cancelled', 'unknown']);
  });

  it('acts on exact ids: arrays task by task, big ones as a whole', () => {
    expect(actionIds(job({ id: '1235_3' }))).toEqual({
      ids: ['1235_3'],
      whole: false
    });
    expect(actionIds(job({ id: '1239+0' })).ids).toEqual(['1239+0']);
    expect(actionIds(job({ id: '5_[1-3,7]', job_id: '5' }))).toEqual({
      ids: ['5_1', '5_2', '5_3', '5_7'],
      whole: false
    });
    expect(actionIds(job({ id: '5_[1-1000%4]', job_id: '5' }))).toEqual({
      ids: ['5'],
      whole: true
    });
  });

  it('expands Slurm array ranges with steps and limits', () => {
    expect(expandRange('0-8:4%2', 100)).toEqual([0, 4, 8]);
    expect(expandRange('3', 100)).toEqual([3]);
    expect(expandRange('1-101', 100)).toBeNull();
    expect(expandRange('a-b', 100)).toBeNull();
    expect(expandRange('5-1', 100)).toBeNull();
  });

  it('sorts ids and times as numbers, unknown times last', () => {
    const jobs = [
      job({ id: '10', time_used_s: null }),
      job({ id: '9_[1-2]', time_used_s: 5 }),
      job({ id: '9_10', time_used_s: 60 })
    ];
    expect(
      sortJobs(jobs, { key: 'id', ascending: true }).map(j => j.id)
    ).toEqual(['9_[1-2]', '9_10', '10']);
    expect(
      sortJobs(jobs, { key: 'time', ascending: true }).map(j => j.id)
    ).toEqual(['9_[1-2]', '9_10', '10']);
  });

  it('filters on every word, ignoring case', () => {
    const jobs = [
      job({ id: '1', name: 'Train Model', partition: 'gpu' }),
      job({ id: '2', name: 'train', partition: 'cpu' })
    ];
    expect(filterJobs(jobs, 'TRAIN gpu').map(j => j.id)).toEqual(['1']);
    expect(filterJobs(jobs, '  ')).toBe(jobs);
  });

  it('formats durations like Slurm and ages in words', () => {
    expect(
      [0, 62, 3723, 90061, null].map(value => formatDuration(value))
    ).toEqual(['0:00', '1:02', '1:02:03', '1-01:01:01', null]);
    expect([12, 150, 7300, 200000].map(s => formatAge(s, trans))).toEqual([
      '12 s ago',
      '2 min ago',
      '2 h ago',
      '2 d ago'
    ]);
  });
});

import {
  formatCO2,
  formatElapsedOf,
  formatEnergy,
  formatMemoryOf,
  formatOrdinal,
  formatPercent,
  formatQueuePosition,
  formatSpan,
  formatStart,
  formatTimeLeft
} from '../../slurm/format';
import { reasonText } from '../../slurm/reasons';
import { trans } from './utils';

describe('Slurm formats', () => {
  it('says lengths of time in words, coarsely', () => {
    expect(formatSpan(35, trans)).toBe('35 s');
    expect(formatSpan(2532, trans)).toBe('42 min');
    expect(formatSpan(3600, trans)).toBe('1 h');
    expect(formatSpan(4800, trans)).toBe('1 h 20 min');
    expect(formatSpan(2 * 86400 + 3 * 3600 + 59, trans)).toBe('2 d 3 h');
    expect(formatSpan(-5, trans)).toBe('0 s');
  });

  it('tells the time left, or that there is no limit', () => {
    expect(formatTimeLeft(600, 3600, trans)).toBe('50 min left');
    expect(formatTimeLeft(4000, 3600, trans)).toBe('0 s left');
    expect(formatTimeLeft(600, null, trans)).toBe('no time limit');
  });

  it('tells a start estimate with its delay, today or another day', () => {
    const now = Date.parse('2026-11-23T09:15:00.000Z');
    expect(formatStart(null, now, trans)).toBeNull();
    expect(formatStart('not a time', now, trans)).toBeNull();
    expect(formatStart('2026-11-23T09:15:30.000Z', now, trans)).toBe(
      'starts soon'
    );
    const later = new Date('2026-11-23T11:40:00.000Z');
    expect(formatStart(later.toISOString(), now, trans)).toBe(
      `starts ≈ ${later.toLocaleTimeString(undefined, {
        hour: '2-digit',
        minute: '2-digit'
      })} (in 2 h 25 min)`
    );
    expect(formatStart('2026-11-25T09:15:00.000Z', now, trans)).toMatch(
      /^starts ≈ .+ \(in 2 d\)$/
    );
  });

  it('tells the place in the queue as an ordinal', () => {
    expect(
      [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101].map(n =>
        formatOrdinal(n, trans)
      )
    ).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '101st'
    ]);
    expect(formatQueuePosition(3, 'cpu_p1', trans)).toBe(
      "3rd in cpu_p1's queue"
    );
    expect(formatQueuePosition(null, 'cpu_p1', trans)).toBeNull();
  });

  it('says what seff would of a finished job', () => {
    expect(formatElapsedOf(2532, 3600, trans)).toBe('42 min of 1 h');
    expect(formatElapsedOf(2532, null, trans)).toBe('42 min');
    expect(formatElapsedOf(null, 3600, trans)).toBe('');
    expect(formatPercent(0.904)).toBe('90 %');
    expect(formatMemoryOf(1825361920, 4294967296, trans)).toBe(
      '1.7 of 4.0 GiB'
    );
    expect(formatMemoryOf(104857600, 536870912, trans)).toBe(
      '100.0 of 512.0 MiB'
    );
    expect(formatMemoryOf(null, 4294967296, trans)).toBeNull();
    expect(formatEnergy(null, trans)).toBe('not measured');
    expect(formatEnergy(3960000, trans)).toBe('1.10 kWh');
    expect(formatEnergy(18000, trans)).toBe('5.0 Wh');
    expect(formatEnergy(360000, trans)).toBe('100 Wh');
    expect(formatCO2(60.5, trans)).toBe('60.5 g CO2e');
    expect(formatCO2(0.28, trans)).toBe('0.28 g CO2e');
    expect(formatCO2(1500, trans)).toBe('1.50 kg CO2e');
  });

  it("puts Slurm's reason codes in words, and keeps unknown ones", () => {
    expect(reasonText('Resources', trans)).toBe('waiting for resources');
    expect(reasonText('Priority', trans)).toBe(
      'waiting for higher-priority jobs'
    );
    expect(reasonText('JobHeldUser', trans)).toBe('held by you');
    expect(reasonText('PartitionTimeLimit', trans)).toContain('will not start');
    expect(reasonText('None', trans)).toBe('');
    expect(reasonText('SomeNewReason', trans)).toBe('SomeNewReason');
  });
});

import { describe, expect, it } from 'vitest';
import { bucketLabel, trendRows } from './trends';

describe('bucketLabel', () => {
  it.each([
    ['2026-12-05', 'day', '5 Dec'],
    ['2026-11-30', 'week', 'w/c 30 Nov'],
    ['2026-12-01', 'month', 'Dec 2026'],
    // A timestamp is read as its UTC day, whatever the machine's zone.
    ['2026-01-01T00:00:00Z', 'day', '1 Jan'],
  ] as const)('%s as a %s', (start, bucket, want) => {
    expect(bucketLabel(start, bucket)).toBe(want);
  });
});

describe('trendRows', () => {
  it('keeps every point in order, hours to one decimal', () => {
    const point = (start: string, learningHours: number) => ({ start, end: start, learningMinutes: learningHours * 60, learningHours, enrollments: 1, completions: 0, joins: 2 });
    const rows = trendRows({
      orgId: 'org_1',
      bucket: 'day',
      from: '2026-12-04',
      to: '2026-12-05',
      totals: point('2026-12-04', 3.33),
      points: [point('2026-12-04', 1.26), point('2026-12-05', 0)],
    });
    expect(rows).toEqual([
      { label: '4 Dec', learningHours: 1.3, enrollments: 1, completions: 0, joins: 2 },
      { label: '5 Dec', learningHours: 0, enrollments: 1, completions: 0, joins: 2 },
    ]);
  });
});

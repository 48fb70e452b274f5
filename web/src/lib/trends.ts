// The trend series of the home screen, as the chart and its table show it.
import type { Schemas } from '../api/client';

export type Bucket = 'day' | 'week' | 'month';

/** bucketLabel names a point for its bucket: "5 Dec", "w/c 1 Dec", "Dec 2026" (UTC, as the API counts). */
export function bucketLabel(start: string, bucket: Bucket): string {
  const d = new Date(`${start.slice(0, 10)}T00:00:00Z`);
  if (bucket === 'month') return d.toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const day = d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return bucket === 'week' ? `w/c ${day}` : day;
}

/** trendRows turns a series into the rows the chart and the table draw. */
export function trendRows(s: Schemas['TrendSeries']) {
  return s.points.map((p) => ({
    label: bucketLabel(p.start, s.bucket),
    learningHours: Math.round(p.learningHours * 10) / 10,
    enrollments: p.enrollments,
    completions: p.completions,
    joins: p.joins,
  }));
}

// The audit log's filters: kept in the page's URL as typed, and turned into
// the API's query (empty filters left out, dates as RFC 3339).
import type { operations } from '../api/schema';

type Query = NonNullable<operations['listAuditRecords']['parameters']['query']>;

/** auditFilterNames are the filters of GET /v1/orgs/{orgId}/audit, in the order the screen shows them. */
export const auditFilterNames = ['actor', 'action', 'targetType', 'targetId', 'programId', 'from', 'to'] as const;

/** AuditFilters are the screen's filters as typed; from and to are datetime-local values ("2026-12-05T10:30"). */
export type AuditFilters = Record<(typeof auditFilterNames)[number], string>;

/**
 * auditQuery turns the filters into the API's query: blanks left out, text
 * trimmed, and from/to (local times in the browser's zone) as RFC 3339 in
 * UTC. A date the browser cannot read is left out rather than sent.
 */
export function auditQuery(f: AuditFilters): Pick<Query, 'actor' | 'action' | 'targetType' | 'targetId' | 'programId' | 'from' | 'to'> {
  const q: Record<string, string> = {};
  for (const k of auditFilterNames) {
    const v = f[k].trim();
    if (!v) continue;
    if (k === 'from' || k === 'to') {
      const t = new Date(v);
      if (!Number.isNaN(t.getTime())) q[k] = t.toISOString();
      continue;
    }
    q[k] = v;
  }
  return q;
}

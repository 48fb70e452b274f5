import { describe, expect, it } from 'vitest';
import { auditQuery, type AuditFilters } from './auditQuery';

const none: AuditFilters = { actor: '', action: '', targetType: '', targetId: '', programId: '', from: '', to: '' };

describe('auditQuery', () => {
  it('leaves blank filters out', () => {
    expect(auditQuery(none)).toEqual({});
    expect(auditQuery({ ...none, actor: '  ', action: ' program.update ' })).toEqual({ action: 'program.update' });
  });

  it('passes text filters through, trimmed', () => {
    expect(auditQuery({ ...none, actor: 'a@example.com', targetType: 'invitation', targetId: 'b@example.com', programId: 'prg_1' })).toEqual({
      actor: 'a@example.com',
      targetType: 'invitation',
      targetId: 'b@example.com',
      programId: 'prg_1',
    });
  });

  it('sends local dates as RFC 3339 instants and drops unreadable ones', () => {
    const from = '2026-03-01T09:30';
    const q = auditQuery({ ...none, from, to: 'not a date' });
    expect(q.from).toBe(new Date(from).toISOString());
    expect(q.from).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(q).not.toHaveProperty('to');
  });
});

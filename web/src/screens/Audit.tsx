import { useState, type FormEvent } from 'react';
import { Alert, Button, Code, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router';
import { data, toApiError, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { usePrograms } from '../api/queries';
import { saveBlob } from '../lib/download';
import { auditQuery, auditFilterNames, type AuditFilters } from '../lib/auditQuery';
import { CursorPager, useCursors } from '../ui/CursorPager';
import { Empty, ErrorState, Loading } from '../ui/states';

const labels: Record<keyof AuditFilters, string> = {
  actor: 'Actor email',
  action: 'Action',
  targetType: 'Target type',
  targetId: 'Target id',
  programId: 'Program',
  from: 'From',
  to: 'Before',
};

/**
 * Audit is the organisation's audit log, newest first: the API's filters
 * (kept in the URL), cursor paging and the CSV download of the same selection.
 */
export default function Audit() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const [search, setSearch] = useSearchParams();
  const filters = Object.fromEntries(auditFilterNames.map((k) => [k, search.get(k) ?? ''])) as AuditFilters;
  const pages = useCursors();
  const query = auditQuery(filters);
  const list = useQuery({
    queryKey: ['audit', orgId, query, pages.cursor],
    // The JSON page; the same operation answers text/csv with format=csv.
    queryFn: async () =>
      (await data(api.GET('/v1/orgs/{orgId}/audit', { params: { path: { orgId }, query: { ...query, limit: 50, cursor: pages.cursor } } }))) as Schemas['AuditRecordList'],
    placeholderData: keepPreviousData,
  });
  const [csvMore, setCsvMore] = useState(false);
  const csv = useMutation({
    mutationFn: async () => {
      const { response, error, data: blob } = await api.GET('/v1/orgs/{orgId}/audit', {
        params: { path: { orgId }, query: { ...query, format: 'csv' } },
        parseAs: 'blob',
      });
      if (!response.ok) throw toApiError(response.status, error ?? (await response.clone().json().catch(() => undefined)));
      setCsvMore(!!response.headers.get('X-Next-Cursor'));
      saveBlob(blob as unknown as Blob, 'audit.csv');
    },
  });
  const apply = (f: AuditFilters) => {
    const next = new URLSearchParams();
    for (const k of auditFilterNames) if (f[k].trim()) next.set(k, f[k].trim());
    setSearch(next);
    pages.reset();
  };
  const items = list.data?.items ?? [];
  const next = list.data?.nextCursor;
  const filtered = auditFilterNames.some((k) => filters[k]);
  return (
    <Stack>
      <Title order={1}>Audit log</Title>
      <Text size="sm">Every change made in this organisation, by whom and when, newest first. Records are kept for the stage’s retention (400 days by default).</Text>
      <Filters key={search.toString()} orgId={orgId} initial={filters} onApply={apply} />
      <Paper withBorder p="md" component="section" aria-labelledby="audit-records">
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h3" id="audit-records">
            Records
          </Title>
          <Button variant="default" onClick={() => csv.mutate()} loading={csv.isPending}>
            Download CSV{filtered ? ' of this selection' : ''}
          </Button>
        </Group>
        {csv.isError && <ErrorState error={csv.error} title="Could not download the CSV" />}
        {csv.isSuccess && csvMore && (
          <Alert role="status" color="blue" mb="xs">
            The file holds the newest 5,000 records; narrow the dates to download the rest.
          </Alert>
        )}
        {list.isPending && <Loading label="Loading the audit log" />}
        {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} title="Could not load the audit log" />}
        {list.data && items.length === 0 && (
          <Empty title={filtered ? 'No records match these filters' : 'No records yet'}>
            <Text size="sm">{next ? 'This page read its limit without a match: look at older records.' : filtered ? 'Clear a filter to see more.' : 'Changes made in the organisation appear here.'}</Text>
          </Empty>
        )}
        {items.length > 0 && <Records items={items} busy={list.isFetching} />}
        <CursorPager pages={pages} next={next} />
      </Paper>
    </Stack>
  );
}

function Filters({ orgId, initial, onApply }: { orgId: string; initial: AuditFilters; onApply: (f: AuditFilters) => void }) {
  const programs = usePrograms(orgId);
  const [f, setF] = useState(initial);
  const set = (k: keyof AuditFilters) => (v: string) => setF((old) => ({ ...old, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(f);
  };
  const text = (k: keyof AuditFilters, placeholder: string) => (
    <TextInput label={labels[k]} placeholder={placeholder} value={f[k]} onChange={(e) => set(k)(e.currentTarget.value)} />
  );
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Filters">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        {text('actor', 'someone@example.com')}
        {text('action', 'program.update')}
        {text('targetType', 'program, invitation, domain…')}
        {text('targetId', 'an id, or an email address')}
        <Select
          label={labels.programId}
          placeholder="Every program"
          clearable
          data={(programs.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={f.programId || null}
          onChange={(v) => set('programId')(v ?? '')}
        />
        <TextInput type="datetime-local" label={labels.from} value={f.from} onChange={(e) => set('from')(e.currentTarget.value)} />
        <TextInput type="datetime-local" label={labels.to} description="Not included" value={f.to} onChange={(e) => set('to')(e.currentTarget.value)} />
      </SimpleGrid>
      <Group mt="md">
        <Button type="submit">Apply filters</Button>
        <Button variant="default" onClick={() => onApply(Object.fromEntries(auditFilterNames.map((k) => [k, ''])) as AuditFilters)}>
          Clear
        </Button>
      </Group>
    </Paper>
  );
}

const roles: Record<string, string> = { org_admin: 'org admin', program_admin: 'program admin', platform_operator: 'platform operator', system: 'the platform' };

function Records({ items, busy }: { items: Schemas['AuditRecord'][]; busy: boolean }) {
  return (
    <Table striped data-testid="audit-records" aria-busy={busy}>
      <Table.Caption>Newest first; the time in your time zone</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">When</Table.Th>
          <Table.Th scope="col">Who</Table.Th>
          <Table.Th scope="col">Action</Table.Th>
          <Table.Th scope="col">Target</Table.Th>
          <Table.Th scope="col">Changes</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((r) => (
          <Table.Tr key={r.id} data-testid="audit-record">
            <Table.Td>
              {new Date(r.at).toLocaleString()}
              {r.requestId && (
                <Text size="xs" c="dimmed">
                  request {r.requestId}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              {r.actor.email || r.actor.subject}
              <Text size="xs" c="dimmed">
                as {roles[r.actor.role] ?? r.actor.role}
                {r.sourceIp ? ` from ${r.sourceIp}` : ''}
              </Text>
            </Table.Td>
            <Table.Td>
              <Code>{r.action}</Code>
            </Table.Td>
            <Table.Td>
              {r.target.type} {r.target.id}
              {r.programId && r.programId !== r.target.id && (
                <Text size="xs" c="dimmed">
                  program {r.programId}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              {r.changes.length === 0 ? (
                '—'
              ) : (
                <ul className="changes">
                  {r.changes.map((c) => (
                    <li key={c.field}>
                      <strong>{c.field}</strong>: {c.old ? `${c.old} → ` : ''}
                      {c.new || '(none)'}
                    </li>
                  ))}
                </ul>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

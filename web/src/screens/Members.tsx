import { useEffect, useMemo, useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Checkbox, Group, Modal, Pill, Popover, Progress, Radio, Select, Stack, Table, Text, TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import { ApiError, data, toApiError, type Learner, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { keys, useContracts } from '../api/queries';
import { saveBlob } from '../lib/download';
import {
  chipsOf, defaultFilters, exportQuery, filtersFromSearch, filtersToQuery, filtersToSearch, pageSizes, sortNote, sorts, statuses, type MemberFilters,
} from '../lib/membersQuery';
import { ProgramNav } from '../ui/ProgramNav';
import { describe, Empty, ErrorState, FormError, Loading } from '../ui/states';

type Column = { key: string; label: string; cell: (l: Learner) => string | number };
const date = (s?: string) => (s ? new Date(s).toLocaleDateString() : '—');
const columns: Column[] = [
  { key: 'state', label: 'Status', cell: (l) => (l.undeliverable ? `${l.state} (undeliverable)` : l.state) },
  { key: 'contract', label: 'Contract', cell: (l) => l.contractId },
  { key: 'invited', label: 'Invited', cell: (l) => date(l.invitedAt) },
  { key: 'joined', label: 'Joined', cell: (l) => date(l.joinedAt) },
  { key: 'activity', label: 'Last activity', cell: (l) => date(l.lastActivityAt) },
  { key: 'current', label: 'Current enrollments', cell: (l) => l.currentEnrollments },
  { key: 'completions', label: 'Completions', cell: (l) => l.completions },
  { key: 'externalId', label: 'External ID', cell: (l) => l.externalId ?? '' },
];
const defaultColumns = ['state', 'joined', 'activity', 'current', 'completions'];

export default function Members() {
  const { orgId = '', programId = '' } = useParams();
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const setFilters = (f: Partial<MemberFilters>) => setParams(filtersToSearch({ ...filters, ...f }), { replace: true });
  const [search, setSearch] = useState(filters.search);
  const [debounced] = useDebouncedValue(search, 300);
  useEffect(() => {
    if (debounced !== filters.search) setFilters({ search: debounced });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  const contracts = useContracts(orgId);
  const contractName = (id: string) => contracts.data?.items.find((c) => c.id === id)?.name ?? id;

  // Cursor paging: the cursors of the pages seen so far, reset when the view changes.
  const viewKey = JSON.stringify(filtersToQuery(filters));
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => {
    setCursors([undefined]);
    setPage(0);
    setSelected(new Set());
  }, [viewKey]);
  const [shown, setShown] = useState<string[]>(defaultColumns);

  const members = useQuery({
    queryKey: [...keys.members(orgId, programId), viewKey, cursors[page]],
    // The route answers CSV too (for the export); here it is always a JSON page.
    queryFn: async () =>
      (await data(api.GET('/v1/orgs/{orgId}/programs/{programId}/members', { params: { path: { orgId, programId }, query: filtersToQuery(filters, cursors[page]) } }))) as Schemas['MembersPage'],
    placeholderData: keepPreviousData,
  });
  const next = members.data?.nextCursor;
  const items = members.data?.items ?? [];
  const allOnPage = items.length > 0 && items.every((l) => selected.has(l.email));
  const toggle = (email: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(email)) n.delete(email);
      else n.add(email);
      return n;
    });
  const chips = chipsOf(filters, contractName);
  const note = sortNote(filters);
  const cols = columns.filter((c) => shown.includes(c.key));

  return (
    <Stack>
      <ProgramNav orgId={orgId} programId={programId} screen="Members" />
      <Group align="flex-end" wrap="wrap">
        <Select label="Status" data={statuses} value={filters.status} onChange={(v) => setFilters({ status: (v as MemberFilters['status']) ?? 'joined' })} allowDeselect={false} w={210} />
        <TextInput label="Search" description="Name or email starts with" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={220} />
        <Select
          label="Contract"
          data={[{ value: '', label: 'Any contract' }, ...(contracts.data?.items.map((c) => ({ value: c.id, label: c.name })) ?? [])]}
          value={filters.contractId}
          onChange={(v) => setFilters({ contractId: v ?? '' })}
          allowDeselect={false}
          w={200}
        />
        <TextInput label="Enrolled in" description="Course or specialisation id" defaultValue={filters.courseId} onBlur={(e) => setFilters({ courseId: e.currentTarget.value })} w={200} />
        {filters.status === 'invited_not_joined' && (
          <Checkbox label="Undeliverable only" checked={filters.undeliverable} onChange={(e) => setFilters({ undeliverable: e.currentTarget.checked })} mb={8} />
        )}
      </Group>
      <Group align="flex-end">
        <Select label="Sort by" data={sorts} value={filters.sort} onChange={(v) => setFilters({ sort: (v as MemberFilters['sort']) ?? 'name' })} allowDeselect={false} w={170} />
        <Select
          label="Order"
          data={[
            { value: 'asc', label: 'Ascending' },
            { value: 'desc', label: 'Descending' },
          ]}
          value={filters.order}
          onChange={(v) => setFilters({ order: v === 'desc' ? 'desc' : 'asc' })}
          allowDeselect={false}
          w={140}
        />
        <Select
          label="Page size"
          data={pageSizes.map((n) => String(n))}
          value={String(filters.limit)}
          onChange={(v) => setFilters({ limit: Number(v) || defaultFilters.limit })}
          allowDeselect={false}
          w={100}
        />
        <ColumnChooser shown={shown} setShown={setShown} />
        <ExportButton orgId={orgId} programId={programId} filters={filters} />
      </Group>
      {chips.length > 0 && (
        <Group gap="xs" aria-label="Active filters" role="group">
          {chips.map((c) => (
            <Pill
              key={c.key}
              withRemoveButton
              removeButtonProps={{ 'aria-label': `Remove filter: ${c.label}` }}
              onRemove={() => {
                if (c.key === 'search') setSearch('');
                setFilters({ [c.key]: defaultFilters[c.key] } as Partial<MemberFilters>);
              }}
            >
              {c.label}
            </Pill>
          ))}
        </Group>
      )}
      {note && (
        <Text size="sm" c="dimmed">
          {note}
        </Text>
      )}
      {selected.size > 0 && <SelectionBar orgId={orgId} programId={programId} status={filters.status} selected={[...selected]} onDone={() => setSelected(new Set())} />}
      {members.isPending && <Loading label="Loading the members" />}
      {members.isError && <ErrorState error={members.error} retry={() => void members.refetch()} />}
      {members.data && items.length === 0 && !next && (
        <Empty title={page === 0 ? 'No learners in this view' : 'No more learners'}>
          <Text size="sm">Change the status or the filters, or invite learners.</Text>
        </Empty>
      )}
      {items.length === 0 && next && <Text size="sm">This stretch of the index held no one in the view; go to the next page to read on.</Text>}
      {items.length > 0 && (
        <Table striped highlightOnHover aria-busy={members.isFetching} data-testid="members-table">
          <Table.Caption>
            Learners: {statuses.find((s) => s.value === filters.status)?.label}, page {page + 1}
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">
                <Checkbox
                  aria-label="Select every learner on this page"
                  checked={allOnPage}
                  indeterminate={!allOnPage && items.some((l) => selected.has(l.email))}
                  onChange={() =>
                    setSelected((s) => {
                      const n = new Set(s);
                      items.forEach((l) => (allOnPage ? n.delete(l.email) : n.add(l.email)));
                      return n;
                    })
                  }
                />
              </Table.Th>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              {cols.map((c) => (
                <Table.Th scope="col" key={c.key}>
                  {c.label}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((l) => (
              <Table.Tr key={l.email}>
                <Table.Td>
                  <Checkbox aria-label={`Select ${l.fullName || l.email}`} checked={selected.has(l.email)} onChange={() => toggle(l.email)} />
                </Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={`/orgs/${orgId}/programs/${programId}/members/${encodeURIComponent(l.email)}`}>
                    {l.fullName || l.email}
                  </Anchor>
                </Table.Td>
                <Table.Td>{l.email}</Table.Td>
                {cols.map((c) => (
                  <Table.Td key={c.key}>{c.cell(l)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group justify="space-between">
        <Text size="sm" aria-live="polite">
          {members.data ? `Page ${page + 1}: ${items.length} learners (${members.data.read.toLocaleString()} read)` : ''}
          {selected.size > 0 ? ` · ${selected.size} selected` : ''}
        </Text>
        <Group gap="xs">
          <Button variant="default" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
            Previous page
          </Button>
          <Button
            variant="default"
            disabled={!next}
            onClick={() => {
              setCursors((c) => [...c.slice(0, page + 1), next]);
              setPage((p) => p + 1);
            }}
          >
            Next page
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}

function ColumnChooser({ shown, setShown }: { shown: string[]; setShown: (s: string[]) => void }) {
  return (
    <Popover position="bottom-start" withArrow trapFocus>
      <Popover.Target>
        <Button variant="default">Columns</Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Checkbox.Group label="Columns shown" value={shown} onChange={setShown}>
          <Stack gap={6} mt="xs">
            {columns.map((c) => (
              <Checkbox key={c.key} value={c.key} label={c.label} />
            ))}
          </Stack>
        </Checkbox.Group>
      </Popover.Dropdown>
    </Popover>
  );
}

/**
 * ExportButton downloads the view as CSV inline; a selection too large for
 * that (413) is exported in the background, with its progress.
 */
function ExportButton({ orgId, programId, filters }: { orgId: string; programId: string; filters: MemberFilters }) {
  const api = useApi();
  const [exportId, setExportId] = useState<string>();
  const inline = useMutation({
    mutationFn: async () => {
      const { response, error, data: blob } = await api.GET('/v1/orgs/{orgId}/programs/{programId}/members', {
        params: { path: { orgId, programId }, query: exportQuery(filters) },
        headers: { Accept: 'text/csv' },
        parseAs: 'blob',
      });
      if (!response.ok) throw toApiError(response.status, error ?? (await response.clone().json().catch(() => undefined)));
      saveBlob(blob as unknown as Blob, 'members.csv');
    },
    onError: async (err) => {
      if (err instanceof ApiError && err.status === 413) {
        const { status: _s, undeliverable: _u, ...rest } = exportQuery(filters);
        const job = await data(
          api.POST('/v1/orgs/{orgId}/programs/{programId}/member-exports', { params: { path: { orgId, programId } }, body: { status: filters.status, ...rest } }),
        );
        setExportId(job.id);
      }
    },
  });
  const job = useQuery({
    queryKey: ['member-export', orgId, programId, exportId],
    enabled: !!exportId,
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}/member-exports/{exportId}', { params: { path: { orgId, programId, exportId: exportId! } } })),
    refetchInterval: (q) => (q.state.data && ['done', 'failed'].includes(q.state.data.status) ? false : 1000),
  });
  return (
    <Stack gap={4}>
      <Button variant="default" onClick={() => inline.mutate()} loading={inline.isPending}>
        Export CSV
      </Button>
      {inline.isError && !(inline.error instanceof ApiError && inline.error.status === 413) && (
        <Text size="sm" c="red.9" role="alert">
          {describe(inline.error)}
        </Text>
      )}
      {job.data && (
        <div role="status">
          {job.data.status === 'done' && job.data.downloadUrl ? (
            <Anchor href={job.data.downloadUrl}>Download the export ({job.data.rows.toLocaleString()} learners)</Anchor>
          ) : job.data.status === 'failed' ? (
            <Text c="red.9">Export failed: {job.data.error}</Text>
          ) : (
            <>
              <Text size="sm">Exporting in the background: {job.data.rows.toLocaleString()} learners written</Text>
              <Progress value={100} animated aria-label="Export in progress" />
            </>
          )}
        </div>
      )}
    </Stack>
  );
}

function SelectionBar({ orgId, programId, status, selected, onDone }: { orgId: string; programId: string; status: string; selected: string[]; onDone: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [allowReturn, setAllowReturn] = useState<string>();
  const invitations = status === 'invited_not_joined';
  const remove = useMutation({
    mutationFn: async () => {
      // The API takes at most 100 emails a call.
      const out: { email: string; removed: boolean; reason?: string }[] = [];
      for (let i = 0; i < selected.length; i += 100) {
        const emails = selected.slice(i, i + 100);
        const res = invitations
          ? await data(api.POST('/v1/orgs/{orgId}/programs/{programId}/invitation-removals', { params: { path: { orgId, programId } }, body: { emails } }))
          : await data(
              api.POST('/v1/orgs/{orgId}/programs/{programId}/member-removals', {
                params: { path: { orgId, programId } },
                body: { emails, allowReturn: allowReturn === 'yes' },
              }),
            );
        out.push(...res.items);
      }
      return out;
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.members(orgId, programId) });
      void qc.invalidateQueries({ queryKey: keys.program(orgId, programId) });
    },
  });
  const failed = useMemo(() => remove.data?.filter((r) => !r.removed) ?? [], [remove.data]);
  if (status === 'removed') return null;
  return (
    <Group>
      <Badge variant="outline" color="dark">
        {selected.length} selected
      </Badge>
      <Button color="red.9" variant="outline" onClick={() => setOpen(true)}>
        {invitations ? 'Withdraw invitations…' : 'Remove from program…'}
      </Button>
      <Modal closeButtonProps={{ 'aria-label': 'Close dialog' }} opened={open} onClose={() => setOpen(false)} title={invitations ? 'Withdraw invitations' : 'Remove learners'}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            remove.mutate();
          }}
        >
          <Stack>
            <FormError error={remove.error} fields={[]} />
            <Text>
              {invitations
                ? `Withdraw ${selected.length} pending invitations? Their links stop working at once.`
                : `Remove ${selected.length} learners? They keep their progress; their licences go back to the contract and each gets the exit email.`}
            </Text>
            {!invitations && (
              <Radio.Group label="May they return?" required value={allowReturn} onChange={setAllowReturn}>
                <Stack gap={6} mt="xs">
                  <Radio value="yes" label="Yes: they may rejoin through the program’s URL" />
                  <Radio value="no" label="No: only a new invitation brings them back" />
                </Stack>
              </Radio.Group>
            )}
            {remove.data && (
              <Alert color={failed.length ? 'yellow' : 'green'} role="status">
                {remove.data.length - failed.length} removed.
                {failed.map((f) => (
                  <div key={f.email}>
                    {f.email}: {f.reason}
                  </div>
                ))}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button
                variant="default"
                onClick={() => {
                  setOpen(false);
                  if (remove.data) onDone();
                }}
              >
                {remove.data ? 'Close' : 'Cancel'}
              </Button>
              {!remove.data && (
                <Button type="submit" color="red.9" loading={remove.isPending} disabled={!invitations && !allowReturn}>
                  {invitations ? 'Withdraw' : 'Remove'}
                </Button>
              )}
            </Group>
          </Stack>
        </form>
      </Modal>
    </Group>
  );
}


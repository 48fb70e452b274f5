import { useEffect, useState } from 'react';
import { Alert, Anchor, Button, Checkbox, Group, MultiSelect, Paper, Progress, Radio, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data } from '../api/client';
import { useApi } from '../api/context';
import { keys, usePrograms } from '../api/queries';
import { CursorPager, useCursors } from '../ui/CursorPager';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
type Day = (typeof days)[number];

export default function Reports() {
  const { orgId = '' } = useParams();
  const qc = useQueryClient();
  return (
    <Stack>
      <Title order={1}>Reports</Title>
      <RequestReport orgId={orgId} onRequested={() => void qc.invalidateQueries({ queryKey: keys.reports(orgId) })} />
      <PastReports orgId={orgId} />
      <Schedule orgId={orgId} />
    </Stack>
  );
}

/** PastReports lists the reports still kept, newest first, with their links; it polls while one is being built. */
function PastReports({ orgId }: { orgId: string }) {
  const api = useApi();
  const programs = usePrograms(orgId);
  const programName = (id: string) => programs.data?.items.find((p) => p.id === id)?.name ?? id;
  const pages = useCursors();
  const list = useQuery({
    queryKey: [...keys.reports(orgId), pages.cursor],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/reports', { params: { path: { orgId }, query: { limit: 20, cursor: pages.cursor } } })),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'queued' || r.status === 'running') ? 1500 : false),
  });
  const items = list.data?.items ?? [];
  const next = list.data?.nextCursor;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="past-reports">
      <Title order={2} size="h3" mb="xs" id="past-reports">
        Past reports
      </Title>
      {list.isPending && <Loading label="Loading the reports" />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {list.data && items.length === 0 && !next && (
        <Empty title="No reports yet">
          <Text size="sm">Reports you request, and the weekly ones, appear here with their links for 3 days.</Text>
        </Empty>
      )}
      {items.length > 0 && (
        <Table striped data-testid="report-list" aria-busy={list.isFetching}>
          <Table.Caption>Newest first; a link is valid 24 hours from when this page loaded it</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Requested</Table.Th>
              <Table.Th scope="col">Report</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">File</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((j) => (
              <Table.Tr key={j.id} data-testid="report">
                <Table.Td>
                  {new Date(j.createdAt).toLocaleString()}
                  <Text size="xs" c="dimmed">
                    {j.scheduledFor ? 'Weekly schedule' : (j.requestedBy ?? '')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {j.type === 'gradebook' ? 'Gradebook' : `Usage, ${j.scope === 'active' ? 'active learners' : 'all time'}`}
                  <Text size="xs" c="dimmed">
                    {j.programIds.length ? j.programIds.map(programName).join(', ') : 'Every program'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {j.status}
                  {j.progress.rows ? `, ${j.progress.rows.toLocaleString()} rows` : ''}
                  {(j.status === 'queued' || j.status === 'running') && <Progress value={100} animated aria-label="Report in progress" mt={4} />}
                  {j.error && (
                    <Text size="xs" c="red.9">
                      {j.error}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {j.downloadUrl ? (
                    <Anchor href={j.downloadUrl}>
                      Download<span className="visually-hidden"> the report of {new Date(j.createdAt).toLocaleString()}</span>
                    </Anchor>
                  ) : j.expired ? (
                    'Expired'
                  ) : (
                    '—'
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <CursorPager pages={pages} next={next} />
    </Paper>
  );
}

function RequestReport({ orgId, onRequested }: { orgId: string; onRequested: () => void }) {
  const api = useApi();
  const programs = usePrograms(orgId);
  const [scope, setScope] = useState<'active' | 'all_time'>('active');
  const [programIds, setProgramIds] = useState<string[]>([]);
  const req = useMutation({
    mutationFn: () => data(api.POST('/v1/orgs/{orgId}/reports', { params: { path: { orgId } }, body: { type: 'usage', scope, programIds: programIds.length ? programIds : undefined } })),
    onSuccess: () => onRequested(),
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          req.mutate();
        }}
      >
        <Stack maw={560}>
          <Title order={2} size="h3">
            Request a report now
          </Title>
          <Text size="sm">The member, usage and specialisation reports, as one zip file.</Text>
          <FormError error={req.error} fields={['scope', 'programIds']} />
          <Radio.Group label="Learners" value={scope} onChange={(v) => setScope(v as 'active' | 'all_time')} error={fieldError(req.error, 'scope')}>
            <Group mt="xs">
              <Radio value="active" label="On an active contract" />
              <Radio value="all_time" label="All time" />
            </Group>
          </Radio.Group>
          <MultiSelect
            label="Programs"
            description="None chosen: every program you administer."
            data={programs.data?.items.map((p) => ({ value: p.id, label: p.name })) ?? []}
            value={programIds}
            onChange={setProgramIds}
            error={fieldError(req.error, 'programIds')}
          />
          <Group>
            <Button type="submit" loading={req.isPending}>
              Request report
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function Schedule({ orgId }: { orgId: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const programs = usePrograms(orgId);
  const sched = useQuery({
    queryKey: ['report-schedule', orgId],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/report-schedule', { params: { path: { orgId } } })),
  });
  const [form, setForm] = useState<{ days: Day[]; programIds: string[] }>({ days: [], programIds: [] });
  useEffect(() => {
    if (sched.data) setForm({ days: sched.data.days, programIds: sched.data.programIds });
  }, [sched.data]);
  const save = useMutation({
    mutationFn: () => data(api.PUT('/v1/orgs/{orgId}/report-schedule', { params: { path: { orgId } }, body: form })),
    onSuccess: (s) => qc.setQueryData(['report-schedule', orgId], s),
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3" mb="xs">
        Weekly report
      </Title>
      {sched.isPending && <Loading />}
      {sched.isError && <ErrorState error={sched.error} retry={() => void sched.refetch()} />}
      {sched.data && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Stack maw={560}>
            <FormError error={save.error} fields={['days', 'programIds']} />
            {save.isSuccess && (
              <Alert color="green" role="status">
                Schedule saved.
              </Alert>
            )}
            <Checkbox.Group label="Days (UTC); none turns it off" value={form.days} onChange={(v) => setForm({ ...form, days: v as Day[] })} error={fieldError(save.error, 'days')}>
              <Group mt="xs">
                {days.map((d) => (
                  <Checkbox key={d} value={d} label={d[0].toUpperCase() + d.slice(1)} />
                ))}
              </Group>
            </Checkbox.Group>
            <MultiSelect
              label="Programs"
              data={programs.data?.items.map((p) => ({ value: p.id, label: p.name })) ?? []}
              value={form.programIds}
              onChange={(v) => setForm({ ...form, programIds: v })}
              error={fieldError(save.error, 'programIds')}
            />
            <Group>
              <Button type="submit" loading={save.isPending}>
                Save schedule
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Paper>
  );
}

import { useEffect, useState } from 'react';
import { Alert, Anchor, Button, Checkbox, Group, MultiSelect, Paper, Progress, Radio, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data } from '../api/client';
import { useApi } from '../api/context';
import { usePrograms } from '../api/queries';
import { ErrorState, fieldError, FormError, Loading } from '../ui/states';

const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
type Day = (typeof days)[number];

export default function Reports() {
  const { orgId = '' } = useParams();
  const [requested, setRequested] = useState<string[]>([]);
  return (
    <Stack>
      <Title order={1}>Reports</Title>
      <RequestReport orgId={orgId} onRequested={(id) => setRequested((r) => [id, ...r])} />
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="xs">
          Reports requested in this session
        </Title>
        {requested.length === 0 ? (
          <Text size="sm">Reports you request appear here with their download links. (The API has no list of past reports yet.)</Text>
        ) : (
          requested.map((id) => <ReportRow key={id} orgId={orgId} id={id} />)
        )}
      </Paper>
      <Schedule orgId={orgId} />
    </Stack>
  );
}

function RequestReport({ orgId, onRequested }: { orgId: string; onRequested: (id: string) => void }) {
  const api = useApi();
  const programs = usePrograms(orgId);
  const [scope, setScope] = useState<'active' | 'all_time'>('active');
  const [programIds, setProgramIds] = useState<string[]>([]);
  const req = useMutation({
    mutationFn: () => data(api.POST('/v1/orgs/{orgId}/reports', { params: { path: { orgId } }, body: { type: 'usage', scope, programIds: programIds.length ? programIds : undefined } })),
    onSuccess: (r) => onRequested(r.id),
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

function ReportRow({ orgId, id }: { orgId: string; id: string }) {
  const api = useApi();
  const r = useQuery({
    queryKey: ['report', orgId, id],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/reports/{reportId}', { params: { path: { orgId, reportId: id } } })),
    refetchInterval: (q) => (q.state.data && ['done', 'failed'].includes(q.state.data.status) ? false : 1500),
  });
  if (r.isPending) return <Loading />;
  if (r.isError) return <ErrorState error={r.error} />;
  const j = r.data;
  return (
    <Stack gap={4} mb="sm" role="status" data-testid="report">
      <Text size="sm">
        {new Date(j.createdAt).toLocaleString()}: {j.scope === 'active' ? 'active learners' : 'all time'}, {j.status}
        {j.progress.rows ? `, ${j.progress.rows.toLocaleString()} rows` : ''}
      </Text>
      {(j.status === 'queued' || j.status === 'running') && <Progress value={100} animated aria-label="Report in progress" />}
      {j.error && <Alert color="red">{j.error}</Alert>}
      {j.downloadUrl && <Anchor href={j.downloadUrl}>Download the report</Anchor>}
      {j.expired && <Text size="sm">The file has expired.</Text>}
    </Stack>
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

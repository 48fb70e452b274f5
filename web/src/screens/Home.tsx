import { lazy, Suspense, useEffect, useState } from 'react';
import { Anchor, Badge, Button, Card, Group, Paper, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { useOrg, usePrograms } from '../api/queries';
import { useApi } from '../api/context';
import { ApiError, data, type Schemas } from '../api/client';
import { rememberOrg } from '../lib/org';
import { trendRows, type Bucket } from '../lib/trends';
import { Empty, ErrorState, Loading } from '../ui/states';

// recharts is large: it loads with the charts, not with the console.
const FunnelChart = lazy(() => import('./FunnelChart'));
const TrendChart = lazy(() => import('./TrendChart'));

/** funnelSteps are the funnel's steps from a summary, each with its share of the previous. */
export function funnelSteps(s: Schemas['Summary']) {
  const steps = [
    { name: 'Invited', value: s.invitationsSent },
    { name: 'Joined', value: s.joined },
    { name: 'Enrolled', value: s.enrolled },
    { name: 'Completions', value: s.completions },
  ];
  return steps.map((st, i) => ({ ...st, share: i === 0 || steps[i - 1].value === 0 ? undefined : Math.round((100 * st.value) / steps[i - 1].value) }));
}

export default function Home() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  const programs = usePrograms(orgId);
  useEffect(() => {
    if (org.data) rememberOrg(orgId);
  }, [org.data, orgId]);
  if (org.isPending) return <Loading label="Loading the organisation" />;
  if (org.isError) return <ErrorState error={org.error} retry={() => void org.refetch()} title="Could not load the organisation" />;
  const o = org.data;
  const steps = funnelSteps(o.summary);
  const lic = o.licences;
  return (
    <Stack>
      <Title order={1}>{o.name}</Title>
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="sm">
          Funnel
        </Title>
        <SimpleGrid cols={{ base: 2, md: 4 }} component="dl" m={0}>
          {steps.map((s) => (
            <div key={s.name}>
              <Text component="dt" size="sm" c="dimmed">
                {s.name}
              </Text>
              <Text component="dd" m={0} fz="xl" fw={700} data-testid={`funnel-${s.name.toLowerCase()}`}>
                {s.value.toLocaleString()}
                {s.share !== undefined && (
                  <Text span size="sm" c="dimmed" fw={400}>
                    {' '}
                    ({s.share}% of previous)
                  </Text>
                )}
              </Text>
            </div>
          ))}
        </SimpleGrid>
        <Suspense fallback={<Loading label="Loading the chart" />}>
          <FunnelChart steps={steps} />
        </Suspense>
        <Group mt="sm">
          <Button component={Link} to={`/orgs/${orgId}/programs`} variant="light">
            Invite learners
          </Button>
          <Button component={Link} to={`/orgs/${orgId}/messages`} variant="light">
            Message learners
          </Button>
          <Button component={Link} to={`/orgs/${orgId}/reports`} variant="light">
            Request a report
          </Button>
        </Group>
      </Paper>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Stat label="Licences used" value={`${lic.used.toLocaleString()} of ${lic.unlimited ? 'unlimited' : lic.total.toLocaleString()}`} />
        <Stat label="Licences utilised" value={lic.utilised.toLocaleString()} />
        <Stat label="Learning hours" value={lic.learningHours.toLocaleString()} />
      </SimpleGrid>
      <Trends orgId={orgId} programs={programs.data?.items ?? []} />
      <Title order={2} size="h3">
        Programs
      </Title>
      {programs.isPending && <Loading label="Loading the programs" />}
      {programs.isError && <ErrorState error={programs.error} retry={() => void programs.refetch()} />}
      {programs.data && programs.data.items.length === 0 && (
        <Empty title="No programs yet">
          <Button component={Link} to={`/orgs/${orgId}/programs`}>
            Create a program
          </Button>
        </Empty>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {programs.data?.items.map((p) => (
          <Card key={p.id} withBorder component="article" aria-labelledby={`prg-${p.id}`}>
            <Group justify="space-between">
              <Anchor component={Link} to={`/orgs/${orgId}/programs/${p.id}`} fw={600} id={`prg-${p.id}`}>
                {p.name}
              </Anchor>
              <Badge variant="outline" color="dark">
                {p.members.toLocaleString()} members
              </Badge>
            </Group>
            {p.tagline && (
              <Text size="sm" c="dimmed" lineClamp={2}>
                {p.tagline}
              </Text>
            )}
            <Text size="sm" mt="xs">
              {p.summary.invitationsSent} invited ({p.summary.invitationsPending} pending) · {p.summary.joined} joined · {p.summary.enrolled} enrolled · {p.summary.completions} completions
            </Text>
            <Group gap="xs" mt="sm">
              <Anchor component={Link} to={`/orgs/${orgId}/programs/${p.id}/members`} size="sm">
                Members<span className="visually-hidden"> of {p.name}</span>
              </Anchor>
              <Anchor component={Link} to={`/orgs/${orgId}/programs/${p.id}/invite`} size="sm">
                Invite<span className="visually-hidden"> to {p.name}</span>
              </Anchor>
            </Group>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="md">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fz="xl" fw={700}>
        {value}
      </Text>
    </Paper>
  );
}

/**
 * Trends shows learning hours, enrollments and completions over time, for
 * the organisation or one program. A program admin may only see their
 * programs' series: on the org's 403 it switches to their first program.
 */
function Trends({ orgId, programs }: { orgId: string; programs: Schemas['Program'][] }) {
  const api = useApi();
  const [bucket, setBucket] = useState<Bucket>('week');
  const [programId, setProgramId] = useState('');
  const trends = useQuery({
    queryKey: ['trends', orgId, bucket, programId],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/trends', { params: { path: { orgId }, query: { bucket, programId: programId || undefined } } })),
    placeholderData: keepPreviousData,
  });
  const orgRefused = !programId && trends.error instanceof ApiError && trends.error.status === 403;
  useEffect(() => {
    if (orgRefused && programs[0]) setProgramId(programs[0].id);
  }, [orgRefused, programs]);
  const rows = trends.data ? trendRows(trends.data) : [];
  const t = trends.data?.totals;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="trends">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h3" id="trends">
          Learning hours
        </Title>
        <Group>
          <Select
            aria-label="Trend of"
            data={[...(orgRefused ? [] : [{ value: '', label: 'The whole organisation' }]), ...programs.map((p) => ({ value: p.id, label: p.name }))]}
            value={programId}
            onChange={(v) => setProgramId(v ?? '')}
            allowDeselect={false}
            w={240}
          />
          <SegmentedControl
            aria-label="Bucket"
            value={bucket}
            onChange={(v) => setBucket(v as Bucket)}
            data={[
              { value: 'day', label: 'Days' },
              { value: 'week', label: 'Weeks' },
              { value: 'month', label: 'Months' },
            ]}
          />
        </Group>
      </Group>
      {trends.isPending && <Loading label="Loading the trend" />}
      {trends.isError && !orgRefused && <ErrorState error={trends.error} retry={() => void trends.refetch()} title="Could not load the trend" />}
      {trends.data && t && (
        <Stack gap="xs" aria-busy={trends.isFetching}>
          <Text size="sm" data-testid="trend-totals">
            {new Date(`${trends.data.from}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: 'UTC' })} to {new Date(`${trends.data.to}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: 'UTC' })}:{' '}
            {t.learningHours.toLocaleString()} learning hours, {t.enrollments} enrollments, {t.completions} completions, {t.joins} joins.
          </Text>
          {t.learningMinutes === 0 && t.enrollments === 0 && t.joins === 0 ? (
            <Text size="sm">No learning activity in this period yet.</Text>
          ) : (
            <Suspense fallback={<Loading label="Loading the chart" />}>
              <TrendChart rows={rows} />
            </Suspense>
          )}
          <details>
            <summary>The figures as a table</summary>
            <Table>
              <Table.Caption>Learning hours, enrollments, completions and joins per {bucket}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{bucket === 'day' ? 'Day' : bucket === 'week' ? 'Week' : 'Month'}</Table.Th>
                  <Table.Th scope="col">Learning hours</Table.Th>
                  <Table.Th scope="col">Enrollments</Table.Th>
                  <Table.Th scope="col">Completions</Table.Th>
                  <Table.Th scope="col">Joins</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.label}>
                    <Table.Th scope="row">{r.label}</Table.Th>
                    <Table.Td>{r.learningHours}</Table.Td>
                    <Table.Td>{r.enrollments}</Table.Td>
                    <Table.Td>{r.completions}</Table.Td>
                    <Table.Td>{r.joins}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </details>
        </Stack>
      )}
    </Paper>
  );
}

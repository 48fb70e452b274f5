import { useState } from 'react';
import { Alert, Anchor, Button, Group, Paper, Progress, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { ErrorState, FormError } from '../ui/states';

type Job = Schemas['PersonalDataJob'];

const finished = (j?: Job) => j?.status === 'ready' || j?.status === 'done' || j?.status === 'failed';

/**
 * PersonalData offers the personal-data requests for one person of the org:
 * the export (a zip, polled until ready, then its link) and the erasure (a
 * typed confirmation first, then polled until done). The API refuses both to
 * those who may not ask (program admins), and the refusal is shown.
 */
export function PersonalData({ orgId, email }: { orgId: string; email: string }) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="personal-data">
      <Title order={2} size="h3" id="personal-data" mb="xs">
        Personal data
      </Title>
      <Text size="sm" mb="sm">
        Everything the back office holds about {email} in this organisation, as a zip for them; or erased from it. Org admins only.
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Export orgId={orgId} email={email} />
        <Erase orgId={orgId} email={email} />
      </SimpleGrid>
    </Paper>
  );
}

/**
 * usePersonJob requests a personal-data job of one person (an export or an
 * erasure) with req.mutate(), and then polls it every 1.5 s until it ends:
 * id is the job's once requested, job its state.
 */
function usePersonJob(orgId: string, email: string, kind: 'export' | 'erasure') {
  const api = useApi();
  const [id, setId] = useState<string>();
  const path = { params: { path: { orgId, email } } };
  const req = useMutation({
    mutationFn: () =>
      kind === 'export'
        ? data(api.POST('/v1/orgs/{orgId}/people/{email}/data-export', path))
        : data(api.POST('/v1/orgs/{orgId}/people/{email}/erasure', path)),
    onSuccess: (j) => setId(j.id),
  });
  const job = useQuery({
    queryKey: ['personal-data', orgId, kind, id],
    enabled: !!id,
    queryFn: () =>
      kind === 'export'
        ? data(api.GET('/v1/orgs/{orgId}/data-exports/{exportId}', { params: { path: { orgId, exportId: id! } } }))
        : data(api.GET('/v1/orgs/{orgId}/erasures/{erasureId}', { params: { path: { orgId, erasureId: id! } } })),
    refetchInterval: (q) => (finished(q.state.data) ? false : 1500),
  });
  return { id, req, job };
}

function JobProgress({ job, what }: { job: Job; what: string }) {
  const { done, steps, step } = job.progress;
  const pct = steps > 0 ? Math.round((done / steps) * 100) : 0;
  return (
    <Stack gap={4}>
      <Text size="sm" role="status" aria-live="polite" data-testid={`${what}-status`}>
        {job.status === 'failed'
          ? `Failed${job.error ? `: ${job.error}` : ''}`
          : finished(job)
            ? job.status === 'ready'
              ? 'Ready.'
              : 'Done.'
            : `${job.status === 'requested' ? 'Queued' : 'Running'}: step ${done} of ${steps || '…'}${step ? ` (${step})` : ''}`}
      </Text>
      {!finished(job) && <Progress value={pct} animated aria-label={`${what} progress`} />}
      {job.error && job.status !== 'failed' && (
        <Text size="xs" c="red.9">
          Last try failed: {job.error} (it is retried)
        </Text>
      )}
    </Stack>
  );
}

function Counts({ counts, label }: { counts: Job['counts']; label: string }) {
  const entries = Object.entries(counts);
  if (entries.length === 0) return null;
  return (
    <>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      <dl className="facts">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
      </dl>
    </>
  );
}

function Export({ orgId, email }: { orgId: string; email: string }) {
  const { id, req, job } = usePersonJob(orgId, email, 'export');
  const j = job.data;
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Export
      </Title>
      <Text size="sm">A zip of their profile, invitations, memberships, enrollments, activity, messages and audit records; the link is valid 15 minutes.</Text>
      <FormError error={req.error} fields={[]} />
      <Group>
        <Button variant="default" onClick={() => req.mutate()} loading={req.isPending || (!!id && !finished(j))}>
          Export personal data
        </Button>
      </Group>
      {job.isError && <ErrorState error={job.error} retry={() => void job.refetch()} title="Could not follow the export" />}
      {j && <JobProgress job={j} what="export" />}
      {j?.status === 'ready' && j.downloadUrl && (
        <>
          <Anchor href={j.downloadUrl} data-testid="export-download">
            Download the personal data (zip)<span className="visually-hidden"> of {email}</span>
          </Anchor>
          <Counts counts={j.counts} label="Items by section" />
        </>
      )}
    </Stack>
  );
}

function Erase({ orgId, email }: { orgId: string; email: string }) {
  const [typed, setTyped] = useState('');
  const confirmed = typed.trim().toLowerCase() === email.toLowerCase();
  const { id, req, job } = usePersonJob(orgId, email, 'erasure');
  const j = job.data;
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Erase
      </Title>
      <Text size="sm">
        Removes their name, external id and address from everything the organisation keeps (files included); counts and reports stay, under an anonymous address. It cannot be undone.
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (confirmed) req.mutate();
        }}
      >
        <Stack gap="xs">
          <FormError error={req.error} fields={[]} />
          <TextInput
            label="Type their email address to confirm"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            disabled={!!id}
          />
          <Group>
            <Button type="submit" color="red.9" disabled={!confirmed || !!id} loading={req.isPending}>
              Erase {email}
            </Button>
          </Group>
        </Stack>
      </form>
      {job.isError && <ErrorState error={job.error} retry={() => void job.refetch()} title="Could not follow the erasure" />}
      {j && <JobProgress job={j} what="erasure" />}
      {j?.status === 'done' && (
        <>
          <Alert color="green" title="Erased">
            They now appear as {j.anonymousId ? `${j.anonymousId}@erased.invalid` : 'an anonymous address'}. Inviting them again one at a time brings them back.
          </Alert>
          <Counts counts={j.counts} label="What changed" />
        </>
      )}
    </Stack>
  );
}

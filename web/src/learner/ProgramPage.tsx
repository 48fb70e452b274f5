import { Alert, Badge, Button, Group, Image, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation, useParams } from 'react-router';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { Empty, ErrorState, FormError, Loading } from '../ui/states';

const joinLabels: Partial<Record<Schemas['ProgramPage']['status'], string>> = {
  has_invitation: 'Accept your invitation and join',
  can_rejoin: 'Rejoin the program',
  can_join_by_domain: 'Join the program',
};

/**
 * ProgramPage is a program as the signed-in learner sees it: a way to join
 * when they may, and, once a member, its collections with enroll and
 * unenroll buttons and their progress.
 */
export default function ProgramPage() {
  const { slug = '' } = useParams();
  const api = useApi();
  const qc = useQueryClient();
  const joined = (useLocation().state as { joined?: boolean } | null)?.joined;
  const page = useQuery({
    queryKey: ['program-page', slug],
    queryFn: () => data(api.GET('/v1/programs/{slug}', { params: { path: { slug } } })),
  });
  const join = useMutation({
    mutationFn: () => data(api.POST('/v1/programs/{slug}/join', { params: { path: { slug } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['program-page', slug] }),
  });
  if (page.isPending) return <Loading label="Loading the program" />;
  if (page.isError) return <ErrorState error={page.error} retry={() => void page.refetch()} title="This program cannot be shown" />;
  const p = page.data;
  const label = joinLabels[p.status];
  return (
    <Stack>
      {p.bannerUrl && <Image src={p.bannerUrl} alt="" mah={220} fit="cover" radius="md" data-testid="program-banner" />}
      <Title order={1}>{p.program.name}</Title>
      {p.tagline && <Text>{p.tagline}</Text>}
      {joined && p.status === 'member' && (
        <Alert color="green" role="status" title="Welcome">
          You are a member of {p.program.name}. Pick a course below to start.
        </Alert>
      )}
      {label && (
        <Paper withBorder p="md">
          <Stack align="flex-start">
            <FormError error={join.error} fields={[]} />
            <Button onClick={() => join.mutate()} loading={join.isPending}>
              {label}
            </Button>
          </Stack>
        </Paper>
      )}
      {p.status === 'cannot_join' && (
        <Alert color="yellow" title="You cannot join this program" role="alert">
          {p.reason ?? 'Ask its admins for an invitation.'}
        </Alert>
      )}
      {p.status === 'member' && <Catalog slug={slug} />}
    </Stack>
  );
}

function Catalog({ slug }: { slug: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const cat = useQuery({
    queryKey: ['learner-catalog', slug],
    queryFn: () => data(api.GET('/v1/programs/{slug}/catalog', { params: { path: { slug } } })),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['learner-catalog', slug] });
  const enroll = useMutation({
    mutationFn: (v: { itemId: string; collectionId: string; name: string }) =>
      data(api.POST('/v1/programs/{slug}/enrollments', { params: { path: { slug } }, body: { itemId: v.itemId, collectionId: v.collectionId } })),
    onSettled: refresh,
  });
  const unenroll = useMutation({
    mutationFn: (v: { itemId: string; name: string }) => data(api.DELETE('/v1/programs/{slug}/enrollments/{courseId}', { params: { path: { slug, courseId: v.itemId } } })),
    onSettled: refresh,
  });
  if (cat.isPending) return <Loading label="Loading the courses" />;
  if (cat.isError) return <ErrorState error={cat.error} retry={() => void cat.refetch()} title="Could not load the courses" />;
  const c = cat.data;
  const busy = enroll.isPending || unenroll.isPending;
  return (
    <Stack>
      <Text size="sm" data-testid="enrollment-limit">
        {c.enrollmentsLeft === null
          ? `You are enrolled in ${c.currentEnrollments} ${c.currentEnrollments === 1 ? 'course' : 'courses'}.`
          : `You are enrolled in ${c.currentEnrollments} of at most ${c.enrollmentLimit} courses at once: ${c.enrollmentsLeft} left.`}
      </Text>
      <FormError error={enroll.error ?? unenroll.error} fields={['itemId']} />
      <Text role="status" size="sm" className={enroll.isSuccess || unenroll.isSuccess ? undefined : 'visually-hidden'}>
        {enroll.isSuccess && enroll.variables ? `Enrolled in ${enroll.variables.name}.` : unenroll.isSuccess && unenroll.variables ? `Unenrolled from ${unenroll.variables.name}.` : ''}
      </Text>
      {c.collections.length === 0 && (
        <Empty title="No courses yet">
          <Text size="sm">The program’s admins have not added courses yet; come back later.</Text>
        </Empty>
      )}
      {c.collections.map((col) => (
        <Paper key={col.id} withBorder p="md" component="section" aria-labelledby={`lc-${col.id}`}>
          <Title order={2} size="h3" id={`lc-${col.id}`}>
            {col.name}
          </Title>
          {col.description && <Text size="sm">{col.description}</Text>}
          <ul style={{ listStyle: 'none', padding: 0, margin: '8px 0 0' }}>
            {col.items.map((it) => (
              <li key={it.id} data-testid={`learner-item-${it.id}`}>
                <Group justify="space-between" py="xs" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }} wrap="nowrap">
                  <Stack gap={2} style={{ flex: 1 }}>
                    <Group gap="xs">
                      <Text fw={600}>{it.name}</Text>
                      {it.type === 'specialization' && (
                        <Badge size="xs" variant="outline" color="dark">
                          Specialisation
                        </Badge>
                      )}
                      {it.completed && (
                        <Badge size="xs" color="green.9">
                          Completed
                        </Badge>
                      )}
                      {it.enrolled && !it.completed && (
                        <Badge size="xs" color="blue.8">
                          Enrolled
                        </Badge>
                      )}
                    </Group>
                    {it.university && (
                      <Text size="xs" c="dimmed">
                        {it.university}
                      </Text>
                    )}
                    {(it.enrolled || it.progress > 0) && <Progress value={it.progress} size="sm" maw={240} aria-label={`Your progress in ${it.name}: ${Math.round(it.progress)}%`} />}
                  </Stack>
                  {it.enrolled ? (
                    <Button size="xs" variant="default" disabled={busy} onClick={() => unenroll.mutate({ itemId: it.id, name: it.name })}>
                      Unenroll<span className="visually-hidden"> from {it.name}</span>
                    </Button>
                  ) : (
                    <Button size="xs" disabled={busy || !it.canEnroll} onClick={() => enroll.mutate({ itemId: it.id, collectionId: col.id, name: it.name })}>
                      Enroll<span className="visually-hidden"> in {it.name}</span>
                    </Button>
                  )}
                </Group>
              </li>
            ))}
          </ul>
        </Paper>
      ))}
    </Stack>
  );
}

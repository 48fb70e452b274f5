import { Anchor, Badge, Breadcrumbs, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { useContracts, useOrg, useProgram } from '../api/queries';
import { Empty, ErrorState, Loading } from '../ui/states';
import { PersonalData } from './PersonalData';

const date = (s?: string) => (s ? new Date(s).toLocaleDateString() : '—');
const states: Record<string, string> = { INVITED: 'Invited, not joined', MEMBER: 'Member', DELETED_MEMBER: 'Removed' };
const profileLabels: [keyof Schemas['Profile'], string][] = [
  ['jobTitle', 'Job title'],
  ['jobType', 'Job type'],
  ['department', 'Department'],
  ['department2', 'Second department'],
  ['managerName', 'Manager'],
  ['managerEmail', 'Manager email'],
  ['locationCity', 'City'],
  ['locationRegion', 'Region'],
  ['locationCountry', 'Country'],
  ['employeeId', 'Employee id'],
];

/** MemberDetail is one learner of a program: standing, invitation, profile, enrollments and progress. */
export default function MemberDetail() {
  const { orgId = '', programId = '', email = '' } = useParams();
  const api = useApi();
  const program = useProgram(orgId, programId);
  const contracts = useContracts(orgId);
  // Personal-data requests are for org admins: the API refuses them to
  // program admins, so they are not offered.
  const orgAdmin = useOrg(orgId).data?.callerRole === 'org_admin';
  const m = useQuery({
    queryKey: ['member', orgId, programId, email],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}/members/{email}', { params: { path: { orgId, programId, email } } })),
  });
  const programName = program.data?.name ?? programId;
  return (
    <Stack>
      <Breadcrumbs aria-label="Breadcrumb">
        <Anchor component={Link} to={`/orgs/${orgId}/programs`}>
          Programs
        </Anchor>
        <Anchor component={Link} to={`/orgs/${orgId}/programs/${programId}/members`}>
          Members of {programName}
        </Anchor>
        <span>{email}</span>
      </Breadcrumbs>
      <Title order={1}>{m.data?.fullName || email}</Title>
      {m.isPending && <Loading label="Loading the learner" />}
      {m.isError && <ErrorState error={m.error} retry={() => void m.refetch()} title="Could not load this learner" />}
      {m.data && <Detail m={m.data} contractName={contracts.data?.items.find((c) => c.id === m.data.contractId)?.name ?? m.data.contractId} />}
      {m.data && orgAdmin && <PersonalData orgId={orgId} email={m.data.email} />}
    </Stack>
  );
}

function Detail({ m, contractName }: { m: Schemas['MemberDetail']; contractName: string }) {
  const profile = profileLabels.filter(([k]) => m.profile?.[k]);
  const current = m.enrollmentItems.filter((e) => e.state === 'ENROLLED');
  return (
    <>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md" component="section" aria-labelledby="standing">
          <Title order={2} size="h3" id="standing" mb="xs">
            Standing
          </Title>
          <dl className="facts">
            <Fact term="Email" value={m.email} />
            <Fact term="Status" value={<Badge variant="outline" color="dark">{states[m.state] ?? m.state}</Badge>} />
            <Fact term="Contract" value={contractName} />
            <Fact term="External ID" value={m.externalId || '—'} />
            <Fact term="Last activity" value={date(m.lastActivityAt)} />
            <Fact term="Current enrollments" value={m.currentEnrollments} />
            <Fact term="Completions" value={m.completions} />
            {m.state === 'DELETED_MEMBER' && <Fact term="Removed" value={`${date(m.removedAt)}${m.allowReturn ? ' (may return)' : ''}`} />}
          </dl>
        </Paper>
        <Paper withBorder p="md" component="section" aria-labelledby="invitation">
          <Title order={2} size="h3" id="invitation" mb="xs">
            Invitation
          </Title>
          <dl className="facts">
            <Fact term="Invited" value={date(m.invitedAt)} />
            <Fact term="Joined" value={date(m.joinedAt)} />
            <Fact term="Email queued" value={date(m.emailQueuedAt)} />
            <Fact term="Deliverable" value={m.undeliverable ? `No: ${m.undeliverableReason ?? 'bounced'} (${date(m.undeliverableAt)})` : 'Yes'} />
            {m.invitationMessage && <Fact term="Message" value={m.invitationMessage} />}
          </dl>
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="md" component="section" aria-labelledby="profile">
        <Title order={2} size="h3" id="profile" mb="xs">
          Profile
        </Title>
        {profile.length === 0 ? (
          <Text size="sm">No profile attributes: an import or the sign-in claims fill them.</Text>
        ) : (
          <dl className="facts">
            {profile.map(([k, label]) => (
              <Fact key={k} term={label} value={m.profile![k]!} />
            ))}
          </dl>
        )}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="enrollments">
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h3" id="enrollments">
            Enrollments
          </Title>
          <Text size="sm">
            {current.length} current, {m.enrollmentItems.length - current.length} ended
          </Text>
        </Group>
        {m.enrollmentItems.length === 0 ? (
          <Empty title="No enrollments yet">
            <Text size="sm">{m.state === 'MEMBER' ? 'The learner has not enrolled in a course of the catalogue.' : 'Learners enroll once they have joined.'}</Text>
          </Empty>
        ) : (
          <Table data-testid="member-enrollments">
            <Table.Caption>Every enrollment in the program, current and ended</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Course or specialisation</Table.Th>
                <Table.Th scope="col">State</Table.Th>
                <Table.Th scope="col">Progress</Table.Th>
                <Table.Th scope="col">Learning time</Table.Th>
                <Table.Th scope="col">Grade</Table.Th>
                <Table.Th scope="col">Completed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {m.enrollmentItems.map((e) => (
                <Table.Tr key={e.itemId}>
                  <Table.Td>
                    {e.itemName}
                    <Text size="xs" c="dimmed">
                      {e.itemType === 'specialization' ? 'Specialisation' : 'Course'} · enrolled {date(e.enrolledAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>{e.state === 'ENROLLED' ? 'Current' : `Ended ${date(e.unenrolledAt)}`}</Table.Td>
                  <Table.Td miw={140}>
                    <Text size="sm">{Math.round(e.progress)}%</Text>
                    <Progress value={e.progress} aria-label={`Progress in ${e.itemName}`} size="sm" />
                  </Table.Td>
                  <Table.Td>{(e.learningMinutes / 60).toFixed(1)} h</Table.Td>
                  <Table.Td>{e.grade !== undefined ? `${Math.round(e.grade * 100) / 100}` : '—'}</Table.Td>
                  <Table.Td>{e.completedAt ? `${date(e.completedAt)}${e.verified ? ' (verified)' : ''}` : '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
    </>
  );
}

function Fact({ term, value }: { term: string; value: React.ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

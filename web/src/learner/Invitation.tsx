import { Alert, Button, Image, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { data } from '../api/client';
import { useApi } from '../api/context';
import { ErrorState, FormError, Loading } from '../ui/states';
import { colourIsDark } from '../lib/learner';

/**
 * Invitation is the page of an invitation link: the program and its
 * organisation (in its brand colour), where the invitation stands, and the
 * button that accepts it and opens the program page.
 */
export default function Invitation() {
  const { token = '' } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const inv = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => data(api.GET('/v1/invitations/{token}', { params: { path: { token } } })),
  });
  const accept = useMutation({
    mutationFn: () => data(api.POST('/v1/invitations/{token}/accept', { params: { path: { token } } })),
    onSuccess: (a) => navigate(`/programs/${a.program.slug}`, { state: { joined: !a.alreadyMember } }),
  });
  if (inv.isPending) return <Loading label="Loading your invitation" />;
  if (inv.isError) return <ErrorState error={inv.error} retry={() => void inv.refetch()} title="This invitation cannot be shown" />;
  const i = inv.data;
  const colour = i.brand?.color || undefined;
  return (
    <Paper withBorder p="xl" style={colour ? { borderTop: `6px solid ${colour}` } : undefined}>
      <Stack>
        {i.brand?.logoUrl && <Image src={i.brand.logoUrl} alt={`${i.orgName} logo`} h={48} w="auto" fit="contain" style={{ alignSelf: 'flex-start' }} />}
        <Text>{i.orgName} invites you to</Text>
        <Title order={1}>{i.program.name}</Title>
        {i.tagline && <Text>{i.tagline}</Text>}
        <Text size="sm">
          Invitation for {i.fullName ? `${i.fullName} (${i.email})` : i.email}
          {i.invitedAt ? `, sent ${new Date(i.invitedAt).toLocaleDateString()}` : ''}.
        </Text>
        {i.explanation && <Text size="sm">{i.explanation}</Text>}
        {i.status === 'pending' && (
          <>
            <Text size="sm">The link is valid until {new Date(i.expiresAt).toLocaleDateString()}.</Text>
            <FormError error={accept.error} fields={[]} />
            <Button onClick={() => accept.mutate()} loading={accept.isPending} style={{ alignSelf: 'flex-start' }} color={colourIsDark(colour) ? colour : undefined}>
              Accept and join {i.program.name}
            </Button>
          </>
        )}
        {i.status === 'accepted' && (
          <Alert color="green" title="You have joined this program">
            <Button component={Link} to={`/programs/${i.program.slug}`} mt="xs">
              Open {i.program.name}
            </Button>
          </Alert>
        )}
        {i.status === 'expired' && (
          <Alert color="yellow" title="This invitation has expired" role="alert">
            Ask the program’s admins to send it again.
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

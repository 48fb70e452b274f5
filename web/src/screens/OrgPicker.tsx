import { useState } from 'react';
import { Anchor, Button, Group, Paper, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { data } from '../api/client';
import { useApi, useAuth } from '../api/context';
import { isOperator } from '../auth/token';
import { lastOrg, rememberOrg } from '../lib/org';
import { fieldError, FormError } from '../ui/states';

/**
 * OrgPicker opens an organisation by its id (the API lists no organisations
 * of the caller), and lets platform operators create one.
 */
export default function OrgPicker() {
  const navigate = useNavigate();
  const operator = isOperator(useAuth().current()?.claims);
  const [orgId, setOrgId] = useState(lastOrg() ?? '');
  const open = (id: string) => {
    rememberOrg(id);
    navigate(`/orgs/${encodeURIComponent(id)}`);
  };
  return (
    <Stack maw={640}>
      <Title order={1}>Organisations</Title>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (orgId.trim()) open(orgId.trim());
          }}
        >
          <Stack>
            <Title order={2} size="h3">
              Open an organisation
            </Title>
            <TextInput
              label="Organisation id"
              description="The id your platform operator gave you, such as org_06h0he33c2n3djq1901cf8r."
              value={orgId}
              onChange={(e) => setOrgId(e.currentTarget.value)}
              required
            />
            <Group>
              <Button type="submit">Open</Button>
              {lastOrg() && (
                <Anchor component={Link} to={`/orgs/${lastOrg()}`}>
                  Last opened: {lastOrg()}
                </Anchor>
              )}
            </Group>
          </Stack>
        </form>
      </Paper>
      {operator && <CreateOrg onCreated={open} />}
    </Stack>
  );
}

function CreateOrg({ onCreated }: { onCreated: (id: string) => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [admins, setAdmins] = useState('');
  const create = useMutation({
    mutationFn: () =>
      data(
        api.POST('/v1/orgs', {
          body: {
            name,
            admins: admins
              .split(/[\s,;]+/)
              .filter(Boolean)
              .map((email) => ({ email })),
          },
        }),
      ),
    onSuccess: (org) => onCreated(org.id),
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h3">
            Create an organisation
          </Title>
          <Text size="sm" c="dimmed">
            Platform operators only. The first org admins can then sign in and open it.
          </Text>
          <FormError error={create.error} fields={['name', 'admins']} />
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(create.error, 'name')} required />
          <Textarea
            label="First org admins"
            description="Email addresses, separated by commas or new lines (1 to 20)."
            value={admins}
            onChange={(e) => setAdmins(e.currentTarget.value)}
            error={fieldError(create.error, 'admins')}
            required
          />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create organisation
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

import { useState } from 'react';
import { Anchor, Button, Group, Modal, NumberInput, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { data } from '../api/client';
import { useApi } from '../api/context';
import { keys, usePrograms } from '../api/queries';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

export default function Programs() {
  const { orgId = '' } = useParams();
  const programs = usePrograms(orgId);
  const [creating, setCreating] = useState(false);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Programs</Title>
        <Button onClick={() => setCreating(true)}>Create program</Button>
      </Group>
      {programs.isPending && <Loading label="Loading the programs" />}
      {programs.isError && <ErrorState error={programs.error} retry={() => void programs.refetch()} />}
      {programs.data?.items.length === 0 && (
        <Empty title="No programs yet">
          <Text>Create a program, then invite learners to it.</Text>
        </Empty>
      )}
      {!!programs.data?.items.length && (
        <Table striped highlightOnHover>
          <Table.Caption>The organisation’s programs</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Slug</Table.Th>
              <Table.Th scope="col">Members</Table.Th>
              <Table.Th scope="col">Invitations sent</Table.Th>
              <Table.Th scope="col">Pending</Table.Th>
              <Table.Th scope="col">Enrollment limit</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {programs.data.items.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/orgs/${orgId}/programs/${p.id}`}>
                    {p.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{p.slug}</Table.Td>
                <Table.Td>{p.members.toLocaleString()}</Table.Td>
                <Table.Td>{p.summary.invitationsSent.toLocaleString()}</Table.Td>
                <Table.Td>{p.summary.invitationsPending.toLocaleString()}</Table.Td>
                <Table.Td>{p.enrollmentLimit || 'No limit'}</Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Anchor component={Link} to={`/orgs/${orgId}/programs/${p.id}/members`}>
                      Members<span className="visually-hidden"> of {p.name}</span>
                    </Anchor>
                    <Anchor component={Link} to={`/orgs/${orgId}/programs/${p.id}/invite`}>
                      Invite<span className="visually-hidden"> to {p.name}</span>
                    </Anchor>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <CreateProgram orgId={orgId} opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}

function CreateProgram({ orgId, opened, onClose }: { orgId: string; opened: boolean; onClose: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: '', tagline: '', slug: '', enrollmentLimit: 0 });
  const create = useMutation({
    mutationFn: () =>
      data(
        api.POST('/v1/orgs/{orgId}/programs', {
          params: { path: { orgId } },
          body: { name: form.name, tagline: form.tagline || undefined, slug: form.slug || undefined, enrollmentLimit: form.enrollmentLimit || undefined },
        }),
      ),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: keys.programs(orgId) });
      void qc.invalidateQueries({ queryKey: keys.org(orgId) });
      onClose();
      navigate(`/orgs/${orgId}/programs/${p.id}`);
    },
  });
  const set = (k: keyof typeof form) => (v: string | number) => setForm((f) => ({ ...f, [k]: v }));
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close dialog' }} opened={opened} onClose={onClose} title="Create a program">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <FormError error={create.error} fields={['name', 'tagline', 'slug', 'enrollmentLimit']} />
          <TextInput label="Name" required value={form.name} onChange={(e) => set('name')(e.currentTarget.value)} error={fieldError(create.error, 'name')} />
          <Textarea label="Tagline" value={form.tagline} onChange={(e) => set('tagline')(e.currentTarget.value)} error={fieldError(create.error, 'tagline')} />
          <TextInput
            label="URL slug"
            description="Optional: lower-case letters, digits and hyphens; derived from the name when empty. It cannot change later."
            value={form.slug}
            onChange={(e) => set('slug')(e.currentTarget.value)}
            error={fieldError(create.error, 'slug')}
          />
          <NumberInput
            label="Enrollment limit"
            description="The most courses a member may take at once; 0 for no limit."
            min={0}
            max={1000}
            value={form.enrollmentLimit}
            onChange={(v) => set('enrollmentLimit')(Number(v) || 0)}
            error={fieldError(create.error, 'enrollmentLimit')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

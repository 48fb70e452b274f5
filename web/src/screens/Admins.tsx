import { useState } from 'react';
import { Button, Group, MultiSelect, Paper, Select, Stack, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { keys, usePrograms } from '../api/queries';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

export default function Admins() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const qc = useQueryClient();
  const programs = usePrograms(orgId);
  const programName = (id: string) => programs.data?.items.find((p) => p.id === id)?.name ?? id;
  const list = useQuery({
    queryKey: keys.admins(orgId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/admins', { params: { path: { orgId }, query: { limit: 100 } } })),
  });
  const [form, setForm] = useState<{ email: string; name: string; role: Schemas['Role']; programIds: string[] }>({ email: '', name: '', role: 'org_admin', programIds: [] });
  const add = useMutation({
    mutationFn: () =>
      data(
        api.POST('/v1/orgs/{orgId}/admins', {
          params: { path: { orgId } },
          body: { email: form.email, name: form.name || undefined, role: form.role, programIds: form.role === 'program_admin' ? form.programIds : undefined },
        }),
      ),
    onSuccess: () => {
      setForm({ email: '', name: '', role: form.role, programIds: [] });
      void qc.invalidateQueries({ queryKey: keys.admins(orgId) });
    },
  });
  const remove = useMutation({
    mutationFn: (email: string) => data(api.DELETE('/v1/orgs/{orgId}/admins/{email}', { params: { path: { orgId, email } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.admins(orgId) }),
  });
  return (
    <Stack>
      <Title order={1}>Admins</Title>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Stack maw={560}>
            <Title order={2} size="h3">
              Add an admin
            </Title>
            <FormError error={add.error} fields={['email', 'name', 'role', 'programIds']} />
            <TextInput label="Email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} error={fieldError(add.error, 'email')} />
            <TextInput label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldError(add.error, 'name')} />
            <Select
              label="Role"
              data={[
                { value: 'org_admin', label: 'Org admin: the whole organisation' },
                { value: 'program_admin', label: 'Program admin: some programs' },
              ]}
              value={form.role}
              onChange={(v) => setForm({ ...form, role: (v as Schemas['Role']) ?? 'org_admin' })}
              allowDeselect={false}
              error={fieldError(add.error, 'role')}
            />
            {form.role === 'program_admin' && (
              <MultiSelect
                label="Programs"
                required
                data={programs.data?.items.map((p) => ({ value: p.id, label: p.name })) ?? []}
                value={form.programIds}
                onChange={(v) => setForm({ ...form, programIds: v })}
                error={fieldError(add.error, 'programIds')}
              />
            )}
            <Group>
              <Button type="submit" loading={add.isPending}>
                Add admin
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      {list.isPending && <Loading label="Loading the admins" />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {remove.isError && <FormError error={remove.error} fields={[]} />}
      {list.data?.items.length === 0 && <Empty title="No admins" />}
      {!!list.data?.items.length && (
        <Table striped>
          <Table.Caption>The organisation’s admins</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Programs</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((a) => (
              <Table.Tr key={a.email}>
                <Table.Td>{a.email}</Table.Td>
                <Table.Td>{a.name}</Table.Td>
                <Table.Td>{a.role === 'org_admin' ? 'Org admin' : 'Program admin'}</Table.Td>
                <Table.Td>{a.programIds.map(programName).join(', ') || 'All'}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="outline" color="red.9" onClick={() => remove.mutate(a.email)} aria-label={`Remove admin ${a.email}`}>
                    Remove
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

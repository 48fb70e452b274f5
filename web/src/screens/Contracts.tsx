import { useState } from 'react';
import { Badge, Button, Checkbox, Group, NumberInput, Paper, Stack, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data } from '../api/client';
import { useApi } from '../api/context';
import { keys, useContracts } from '../api/queries';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

const today = () => new Date().toISOString().slice(0, 10);
const inAYear = () => new Date(Date.now() + 365 * 864e5).toISOString().slice(0, 10);

export default function Contracts() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const qc = useQueryClient();
  const list = useContracts(orgId);
  const [form, setForm] = useState({ name: '', licences: 100 as number | '', unlimited: false, startsAt: today(), endsAt: inAYear() });
  const create = useMutation({
    mutationFn: () =>
      data(
        api.POST('/v1/orgs/{orgId}/contracts', {
          params: { path: { orgId } },
          body: {
            name: form.name,
            unlimited: form.unlimited,
            licences: form.unlimited ? undefined : Number(form.licences) || undefined,
            startsAt: new Date(form.startsAt + 'T00:00:00Z').toISOString(),
            endsAt: new Date(form.endsAt + 'T00:00:00Z').toISOString(),
          },
        }),
      ),
    onSuccess: () => {
      setForm({ ...form, name: '' });
      void qc.invalidateQueries({ queryKey: keys.contracts(orgId) });
      void qc.invalidateQueries({ queryKey: keys.org(orgId) });
    },
  });
  return (
    <Stack>
      <Title order={1}>Contracts</Title>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Stack maw={560}>
            <Title order={2} size="h3">
              Create a contract
            </Title>
            <FormError error={create.error} fields={['name', 'licences', 'unlimited', 'startsAt', 'endsAt']} />
            <TextInput label="Name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldError(create.error, 'name')} />
            <Checkbox label="Unlimited licences" checked={form.unlimited} onChange={(e) => setForm({ ...form, unlimited: e.currentTarget.checked })} />
            {!form.unlimited && (
              <NumberInput label="Licences" min={1} required value={form.licences} onChange={(v) => setForm({ ...form, licences: v === '' ? '' : Number(v) })} error={fieldError(create.error, 'licences')} />
            )}
            <Group grow>
              <TextInput label="Starts (UTC)" type="date" required value={form.startsAt} onChange={(e) => setForm({ ...form, startsAt: e.currentTarget.value })} error={fieldError(create.error, 'startsAt')} />
              <TextInput label="Ends (UTC, exclusive)" type="date" required value={form.endsAt} onChange={(e) => setForm({ ...form, endsAt: e.currentTarget.value })} error={fieldError(create.error, 'endsAt')} />
            </Group>
            <Group>
              <Button type="submit" loading={create.isPending}>
                Create contract
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      {list.isPending && <Loading label="Loading the contracts" />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {list.data?.items.length === 0 && <Empty title="No contracts yet" />}
      {!!list.data?.items.length && (
        <Table striped>
          <Table.Caption>Licence contracts, oldest first</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Licences</Table.Th>
              <Table.Th scope="col">Used</Table.Th>
              <Table.Th scope="col">Pending</Table.Th>
              <Table.Th scope="col">Utilised</Table.Th>
              <Table.Th scope="col">Term</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{c.name}</Table.Td>
                <Table.Td>
                  <Badge variant="outline" color={c.status === 'active' ? 'teal.9' : 'dark'}>
                    {c.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{c.unlimited ? 'Unlimited' : `${c.licences.toLocaleString()} (${c.remaining} left)`}</Table.Td>
                <Table.Td>{c.used.toLocaleString()}</Table.Td>
                <Table.Td>{c.pending.toLocaleString()}</Table.Td>
                <Table.Td>{c.utilised.toLocaleString()}</Table.Td>
                <Table.Td>
                  {c.startsAt.slice(0, 10)} – {c.endsAt.slice(0, 10)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

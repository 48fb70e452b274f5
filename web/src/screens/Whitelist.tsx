import { useState } from 'react';
import { Alert, Button, Checkbox, FileButton, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data } from '../api/client';
import { useApi } from '../api/context';
import { keys, useContracts } from '../api/queries';
import { ProgramNav } from '../ui/ProgramNav';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

export default function Whitelist() {
  const { orgId = '', programId = '' } = useParams();
  const api = useApi();
  const qc = useQueryClient();
  const contracts = useContracts(orgId);
  const contractOptions = contracts.data?.items.filter((c) => c.status !== 'expired').map((c) => ({ value: c.id, label: c.name })) ?? [];
  const contractName = (id: string) => contracts.data?.items.find((c) => c.id === id)?.name ?? id;
  const list = useQuery({
    queryKey: keys.domains(orgId, programId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}/domains', { params: { path: { orgId, programId }, query: { limit: 100 } } })),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: keys.domains(orgId, programId) });
  const [form, setForm] = useState({ domain: '', contractId: '' });
  const add = useMutation({
    mutationFn: () => data(api.POST('/v1/orgs/{orgId}/programs/{programId}/domains', { params: { path: { orgId, programId } }, body: form })),
    onSuccess: () => {
      setForm((f) => ({ ...f, domain: '' }));
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (domain: string) => data(api.DELETE('/v1/orgs/{orgId}/programs/{programId}/domains/{domain}', { params: { path: { orgId, programId, domain } } })),
    onSuccess: refresh,
  });
  const [csv, setCsv] = useState<{ name: string; text: string }>();
  const [updateExisting, setUpdateExisting] = useState(false);
  const imp = useMutation({
    mutationFn: (dryRun: boolean) =>
      data(
        api.POST('/v1/orgs/{orgId}/programs/{programId}/domain-imports', {
          params: { path: { orgId, programId } },
          body: { csv: csv!.text, contractId: form.contractId, updateExisting, dryRun },
        }),
      ),
    onSuccess: (r) => !r.dryRun && refresh(),
  });

  return (
    <Stack>
      <ProgramNav orgId={orgId} programId={programId} screen="Whitelist" />
      <Text>Learners whose verified email is at one of these domains join the program through its URL without an invitation, on the domain’s contract.</Text>
      <Paper withBorder p="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Stack maw={560}>
            <Title order={2} size="h3">
              Add a domain
            </Title>
            <FormError error={add.error} fields={['domain', 'contractId']} />
            <TextInput label="Email domain" placeholder="acme.edu" required value={form.domain} onChange={(e) => setForm({ ...form, domain: e.currentTarget.value })} error={fieldError(add.error, 'domain')} />
            <Select label="Contract" data={contractOptions} value={form.contractId || null} onChange={(v) => setForm({ ...form, contractId: v ?? '' })} error={fieldError(add.error, 'contractId')} required />
            <Group>
              <Button type="submit" loading={add.isPending}>
                Add domain
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Paper withBorder p="md">
        <Stack maw={720}>
          <Title order={2} size="h3">
            Import domains from a CSV file
          </Title>
          <Text size="sm">One domain per line, an optional header “Domain”. The contract chosen above applies to every domain.</Text>
          <Group>
            <FileButton onChange={async (f) => f && setCsv({ name: f.name, text: await f.text() })} accept=".csv,text/csv,text/plain">
              {(props) => (
                <Button {...props} variant="default">
                  Choose a CSV file
                </Button>
              )}
            </FileButton>
            {csv && <Text size="sm">{csv.name}</Text>}
          </Group>
          <Checkbox label="Move domains whitelisted with another contract to this one" checked={updateExisting} onChange={(e) => setUpdateExisting(e.currentTarget.checked)} />
          <FormError error={imp.error} fields={[]} />
          <Group>
            <Button variant="default" disabled={!csv || !form.contractId} onClick={() => imp.mutate(true)} loading={imp.isPending && imp.variables}>
              Check (dry run)
            </Button>
            <Button disabled={!csv || !form.contractId} onClick={() => imp.mutate(false)} loading={imp.isPending && !imp.variables}>
              Import
            </Button>
          </Group>
          {imp.data && (
            <Alert color={imp.data.skipped ? 'yellow' : 'green'} role="status" title={imp.data.dryRun ? 'Dry run: nothing written' : 'Imported'}>
              {imp.data.added} added, {imp.data.updated} updated, {imp.data.skipped} skipped.
              {imp.data.skippedLines.length > 0 && (
                <ul>
                  {imp.data.skippedLines.slice(0, 50).map((l) => (
                    <li key={l.line}>
                      Line {l.line} “{l.value}”: {l.reason}
                    </li>
                  ))}
                </ul>
              )}
            </Alert>
          )}
        </Stack>
      </Paper>
      <Title order={2} size="h3">
        Whitelisted domains
      </Title>
      {list.isPending && <Loading label="Loading the domains" />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {remove.isError && <FormError error={remove.error} fields={[]} />}
      {list.data?.items.length === 0 && <Empty title="No whitelisted domains" />}
      {!!list.data?.items.length && (
        <Table striped>
          <Table.Caption>Domains and their contracts</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Domain</Table.Th>
              <Table.Th scope="col">Contract</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((d) => (
              <Table.Tr key={d.domain}>
                <Table.Td>{d.display}</Table.Td>
                <Table.Td>{contractName(d.contractId)}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="outline" color="red.9" onClick={() => remove.mutate(d.domain)} aria-label={`Remove ${d.display}`}>
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

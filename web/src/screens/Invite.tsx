import { useEffect, useState, type DragEvent } from 'react';
import {
  Alert, Anchor, Button, Checkbox, FileButton, Group, Paper, Progress, Select, Stack, Table, Text, TextInput, Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data, toApiError, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { keys, useContracts } from '../api/queries';
import { previewCsv, type CsvPreview } from '../lib/csvPreview';
import { saveBlob } from '../lib/download';
import { ProgramNav } from '../ui/ProgramNav';
import { describe, Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

const inlineLimit = 4 * 1024 * 1024;

export default function Invite() {
  const { orgId = '', programId = '' } = useParams();
  return (
    <Stack>
      <ProgramNav orgId={orgId} programId={programId} screen="Invite" />
      <SingleInvite orgId={orgId} programId={programId} />
      <BulkImport orgId={orgId} programId={programId} />
      <Pending orgId={orgId} programId={programId} />
    </Stack>
  );
}

function ContractSelect({ orgId, value, onChange, error }: { orgId: string; value: string; onChange: (v: string) => void; error?: string }) {
  const contracts = useContracts(orgId);
  const usable = contracts.data?.items.filter((c) => c.status !== 'expired') ?? [];
  return (
    <Select
      label="Contract"
      description={contracts.isError ? `Contracts could not be loaded: ${describe(contracts.error)}` : 'The licences the learners take when they join.'}
      placeholder={contracts.isPending ? 'Loading…' : usable.length ? 'Choose a contract' : 'No contract: create one first'}
      data={usable.map((c) => ({ value: c.id, label: `${c.name} (${c.remaining === null ? 'unlimited' : `${c.remaining} left`})` }))}
      value={value || null}
      onChange={(v) => onChange(v ?? '')}
      error={error}
      required
    />
  );
}

function SingleInvite({ orgId, programId }: { orgId: string; programId: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const [form, setForm] = useState({ fullName: '', email: '', externalId: '', contractId: '', sendEmail: true });
  const invite = useMutation({
    mutationFn: () =>
      data(
        api.POST('/v1/orgs/{orgId}/programs/{programId}/invitations', {
          params: { path: { orgId, programId } },
          body: { fullName: form.fullName, email: form.email, externalId: form.externalId || undefined, contractId: form.contractId, sendEmail: form.sendEmail },
        }),
      ),
    onSuccess: () => {
      // Keep the contract for the next one; clear the person.
      setForm((f) => ({ ...f, fullName: '', email: '', externalId: '' }));
      void qc.invalidateQueries({ queryKey: keys.invitations(orgId, programId) });
      void qc.invalidateQueries({ queryKey: keys.members(orgId, programId) });
      void qc.invalidateQueries({ queryKey: keys.contracts(orgId) });
    },
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3" mb="sm">
        Invite one learner
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          invite.mutate();
        }}
      >
        <Stack maw={560}>
          <FormError error={invite.error} fields={['fullName', 'email', 'externalId', 'contractId']} />
          {invite.isSuccess && (
            <Alert color="green" role="status">
              Invited {invite.data.invitation.email}{invite.data.emailQueued ? '; the invitation email is on its way' : ''}.{invite.data.warnings?.map((w) => ` ${w}`)}
            </Alert>
          )}
          <TextInput label="Full name" required value={form.fullName} onChange={(e) => setForm({ ...form, fullName: e.currentTarget.value })} error={fieldError(invite.error, 'fullName')} />
          <TextInput label="Email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} error={fieldError(invite.error, 'email')} />
          <TextInput label="External ID" description="Optional: your own identifier of the person." value={form.externalId} onChange={(e) => setForm({ ...form, externalId: e.currentTarget.value })} error={fieldError(invite.error, 'externalId')} />
          <ContractSelect orgId={orgId} value={form.contractId} onChange={(v) => setForm({ ...form, contractId: v })} error={fieldError(invite.error, 'contractId')} />
          <Checkbox label="Send the invitation email now" checked={form.sendEmail} onChange={(e) => setForm({ ...form, sendEmail: e.currentTarget.checked })} />
          <Group>
            <Button type="submit" loading={invite.isPending}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

type Job = Schemas['ImportJob'];
const outcomeLabels: Record<string, string> = {
  invited: 'Invited',
  already_invited: 'Already invited',
  already_member: 'Already a member',
  duplicate: 'Duplicate in the file',
  invalid_email: 'Invalid email',
  missing_name: 'Missing name',
  invalid_name: 'Name too long',
  invalid_external_id: 'External ID too long',
};

function BulkImport({ orgId, programId }: { orgId: string; programId: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const [file, setFile] = useState<{ name: string; text: string; size: number }>();
  const [preview, setPreview] = useState<CsvPreview>();
  const [contractId, setContractId] = useState('');
  const [sendEmails, setSendEmails] = useState(true);
  const [jobId, setJobId] = useState<string>();
  const [dragging, setDragging] = useState(false);

  const read = async (f: File | null) => {
    if (!f) return;
    const text = await f.text();
    setFile({ name: f.name, text, size: f.size });
    setPreview(previewCsv(text));
    setJobId(undefined);
  };
  const start = useMutation({
    mutationFn: async (dryRun: boolean) => {
      const inline = file!.size <= inlineLimit;
      const job = await data(
        api.POST('/v1/orgs/{orgId}/programs/{programId}/invitation-imports', {
          params: { path: { orgId, programId } },
          body: { contractId, sendEmails, dryRun, csv: inline ? file!.text : undefined },
        }),
      );
      if (!inline && job.uploadUrl) {
        const put = await fetch(job.uploadUrl, { method: 'PUT', headers: { 'Content-Type': 'text/csv' }, body: file!.text });
        if (!put.ok) throw toApiError(put.status, undefined);
      }
      return job;
    },
    onSuccess: (job) => setJobId(job.id),
  });
  const job = useQuery({
    queryKey: ['import', orgId, programId, jobId],
    enabled: !!jobId,
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}/invitation-imports/{importId}', { params: { path: { orgId, programId, importId: jobId! } } })),
    refetchInterval: (q) => (q.state.data && ['done', 'failed'].includes(q.state.data.status) ? false : 1000),
  });
  const finished = job.data?.status === 'done';
  const importedId = finished && !job.data!.dryRun ? job.data!.id : undefined;
  useEffect(() => {
    if (!importedId) return;
    void qc.invalidateQueries({ queryKey: keys.members(orgId, programId) });
    void qc.invalidateQueries({ queryKey: keys.invitations(orgId, programId) });
  }, [importedId, qc, orgId, programId]);
  const template = useMutation({
    mutationFn: async () => {
      const { response, data: blob, error } = await api.GET('/v1/orgs/{orgId}/programs/{programId}/invitation-imports/template', {
        params: { path: { orgId, programId } },
        parseAs: 'blob',
      });
      if (!response.ok) throw toApiError(response.status, error);
      saveBlob(blob as unknown as Blob, 'invitations-template.csv');
    },
  });
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void read(e.dataTransfer.files[0] ?? null);
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3" mb="sm">
        Invite from a CSV file
      </Title>
      <Stack>
        <Text size="sm">
          The file needs the columns Full Name, Email and External ID (in any order).{' '}
          <Anchor component="button" type="button" onClick={() => template.mutate()}>
            Download the template
          </Anchor>
          {template.isError && <span role="alert"> ({describe(template.error)})</span>}
        </Text>
        <Paper
          withBorder
          p="lg"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          bg={dragging ? 'blue.0' : undefined}
          style={{ borderStyle: 'dashed', textAlign: 'center' }}
        >
          <Text mb="xs">Drop the CSV file here, or</Text>
          <FileButton onChange={(f) => void read(f)} accept=".csv,text/csv">
            {(props) => <Button {...props} variant="default">Choose a CSV file</Button>}
          </FileButton>
          {file && (
            <Text size="sm" mt="xs" data-testid="chosen-file">
              {file.name} ({(file.size / 1024).toFixed(1)} KB)
            </Text>
          )}
        </Paper>
        {preview?.fatal && (
          <Alert color="red" role="alert" title="This file cannot be imported">
            {preview.fatal}
          </Alert>
        )}
        {preview && !preview.fatal && <PreviewTable preview={preview} />}
        {preview && !preview.fatal && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              start.mutate(true);
            }}
          >
            <Stack maw={560}>
              <FormError error={start.error} fields={['contractId']} />
              <ContractSelect orgId={orgId} value={contractId} onChange={setContractId} error={fieldError(start.error, 'contractId')} />
              <Checkbox label="Send the invitation emails" checked={sendEmails} onChange={(e) => setSendEmails(e.currentTarget.checked)} />
              <Group>
                <Button type="submit" variant="default" loading={start.isPending && start.variables === true}>
                  Check the file (dry run)
                </Button>
                <Button
                  disabled={!(finished && job.data?.dryRun)}
                  loading={start.isPending && start.variables === false}
                  onClick={() => start.mutate(false)}
                  title={finished && job.data?.dryRun ? undefined : 'Run the dry run first'}
                >
                  Import {preview.total.toLocaleString()} rows
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {job.isError && <ErrorState error={job.error} retry={() => void job.refetch()} />}
        {job.data && <JobStatus job={job.data} />}
      </Stack>
    </Paper>
  );
}

function PreviewTable({ preview }: { preview: CsvPreview }) {
  return (
    <Stack gap="xs">
      <Text size="sm" role="status">
        {preview.total.toLocaleString()} rows in the file
        {preview.withProblems ? `; ${preview.withProblems} with evident problems (they will be skipped)` : ''}
        {preview.rows.length < preview.total ? `; the first ${preview.rows.length} shown` : ''}.
      </Text>
      <Table.ScrollContainer minWidth={500} mah={320}>
        <Table striped data-testid="csv-preview">
          <Table.Caption>Preview of the file</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Row</Table.Th>
              <Table.Th scope="col">Full name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">External ID</Table.Th>
              <Table.Th scope="col">Check</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.rows.map((r) => (
              <Table.Tr key={r.row}>
                <Table.Td>{r.row}</Table.Td>
                <Table.Td>{r.fullName}</Table.Td>
                <Table.Td>{r.email}</Table.Td>
                <Table.Td>{r.externalId}</Table.Td>
                <Table.Td c={r.problem ? 'red.9' : undefined}>{r.problem ?? 'OK'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function JobStatus({ job }: { job: Job }) {
  const p = job.progress;
  const running = job.status === 'queued' || job.status === 'running' || job.status === 'awaiting_upload';
  const pct = p.rowsRead ? Math.round((100 * p.rowsDone) / p.rowsRead) : 0;
  return (
    <Paper withBorder p="md" role="status" aria-live="polite" data-testid="import-status">
      <Text fw={600}>
        {job.dryRun ? 'Dry run' : 'Import'}: {job.status.replace('_', ' ')}
      </Text>
      {running && <Progress value={job.status === 'running' ? pct : 5} animated mt="xs" aria-label={`${job.dryRun ? 'Dry run' : 'Import'} progress`} />}
      <Text size="sm" mt="xs">
        {p.rowsDone.toLocaleString()} of {p.rowsRead.toLocaleString()} rows read have an outcome.
      </Text>
      {job.error && (
        <Alert color="red" mt="xs" title="The file was refused">
          {job.error}
        </Alert>
      )}
      {Object.keys(p.outcomes).length > 0 && (
        <Table mt="xs" maw={420}>
          <Table.Caption>{job.dryRun ? 'What an import would do' : 'Outcomes'}</Table.Caption>
          <Table.Tbody>
            {Object.entries(p.outcomes).map(([k, n]) => (
              <Table.Tr key={k}>
                <Table.Th scope="row">{outcomeLabels[k] ?? k}</Table.Th>
                <Table.Td data-testid={`outcome-${k}`}>{n}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {job.warnings.map((w) => (
        <Alert key={w} color="yellow" mt="xs">
          {w}
        </Alert>
      ))}
      {job.resultUrl && (
        <Anchor href={job.resultUrl} mt="xs" display="block">
          Download the result file (one line per row, with its outcome and reason)
        </Anchor>
      )}
    </Paper>
  );
}

function Pending({ orgId, programId }: { orgId: string; programId: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: keys.invitations(orgId, programId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}/invitations', { params: { path: { orgId, programId }, query: { limit: 50 } } })),
  });
  const act = useMutation({
    mutationFn: async ({ email, action }: { email: string; action: 'resend' | 'remove' }) => {
      const path = { orgId, programId, email };
      if (action === 'resend') return data(api.POST('/v1/orgs/{orgId}/programs/{programId}/invitations/{email}/resend', { params: { path } }));
      return data(api.DELETE('/v1/orgs/{orgId}/programs/{programId}/invitations/{email}', { params: { path } }));
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.invitations(orgId, programId) }),
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3" mb="sm">
        Pending invitations
      </Title>
      {list.isPending && <Loading label="Loading the invitations" />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {act.isError && <FormError error={act.error} fields={[]} />}
      {list.data?.items.length === 0 && <Empty title="No pending invitations" />}
      {!!list.data?.items.length && (
        <Table striped>
          <Table.Caption>The first 50 pending invitations</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Invited</Table.Th>
              <Table.Th scope="col">Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((l) => (
              <Table.Tr key={l.email}>
                <Table.Td>{l.fullName}</Table.Td>
                <Table.Td>
                  {l.email}
                  {l.undeliverable ? ' (undeliverable)' : ''}
                </Table.Td>
                <Table.Td>{l.invitedAt ? new Date(l.invitedAt).toLocaleString() : '—'}</Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Button size="xs" variant="default" onClick={() => act.mutate({ email: l.email, action: 'resend' })} aria-label={`Resend the invitation to ${l.email}`}>
                      Resend
                    </Button>
                    <Button size="xs" variant="outline" color="red.9" onClick={() => act.mutate({ email: l.email, action: 'remove' })} aria-label={`Withdraw the invitation to ${l.email}`}>
                      Withdraw
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

import { useState } from 'react';
import {
  Button, Checkbox, Code, Group, MultiSelect, Paper, SegmentedControl, Select, Stack, Stepper, Switch, Table, Text, TextInput, Textarea, Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { keys, usePrograms } from '../api/queries';
import { statuses } from '../lib/membersQuery';
import { CursorPager, useCursors } from '../ui/CursorPager';
import { Empty, ErrorState, fieldError, FormError, Loading } from '../ui/states';

type Message = Schemas['Message'];
const placeholders = ['{{learnerName}}', '{{programName}}', '{{orgName}}', '{{programUrl}}'];

export default function Messages() {
  const { orgId = '' } = useParams();
  const qc = useQueryClient();
  return (
    <Stack>
      <Title order={1}>Messages</Title>
      <Wizard orgId={orgId} onChanged={() => void qc.invalidateQueries({ queryKey: keys.messages(orgId) })} />
      <MessageList orgId={orgId} />
      <Automated orgId={orgId} />
    </Stack>
  );
}

const statusLabels: Record<Message['status'], string> = { draft: 'Draft', sending: 'Sending', sent: 'Sent' };

/**
 * MessageList lists the org's messages, newest first, with their counts;
 * drafts can be discarded. It polls while a message is being sent.
 */
function MessageList({ orgId }: { orgId: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const [status, setStatus] = useState<'' | Message['status']>('');
  const pages = useCursors();
  const list = useQuery({
    queryKey: [...keys.messages(orgId), status, pages.cursor],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/messages', { params: { path: { orgId }, query: { status: status || undefined, limit: 20, cursor: pages.cursor } } })),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((m) => m.status === 'sending') ? 2000 : false),
  });
  const discard = useMutation({
    mutationFn: (messageId: string) => data(api.DELETE('/v1/orgs/{orgId}/messages/{messageId}', { params: { path: { orgId, messageId } } })),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.messages(orgId) }),
  });
  const items = list.data?.items ?? [];
  const next = list.data?.nextCursor;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="message-list">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h3" id="message-list">
          Your organisation’s messages
        </Title>
        <SegmentedControl
          aria-label="Show"
          value={status}
          onChange={(v) => {
            setStatus(v as typeof status);
            pages.reset();
          }}
          data={[
            { value: '', label: 'All' },
            { value: 'draft', label: 'Drafts' },
            { value: 'sending', label: 'Sending' },
            { value: 'sent', label: 'Sent' },
          ]}
        />
      </Group>
      {discard.isError && <FormError error={discard.error} fields={[]} />}
      {discard.isSuccess && (
        <Text size="sm" role="status">
          Draft discarded.
        </Text>
      )}
      {list.isPending && <Loading label="Loading the messages" />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {list.data && items.length === 0 && !next && (
        <Empty title={status ? `No ${statusLabels[status].toLowerCase()} messages` : 'No messages yet'}>
          <Text size="sm">Messages you draft and send appear here with their counts.</Text>
        </Empty>
      )}
      {items.length > 0 && (
        <Table striped data-testid="message-list" aria-busy={list.isFetching}>
          <Table.Caption>Newest first{pages.page > 0 ? `, page ${pages.page + 1}` : ''}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Subject</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Author</Table.Th>
              <Table.Th scope="col">Counts</Table.Th>
              <Table.Th scope="col">
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((m) => {
              const c = m.counts;
              const when = m.sentAt ?? m.sendingAt ?? m.updatedAt;
              return (
                <Table.Tr key={m.id}>
                  <Table.Td>{m.subject}</Table.Td>
                  <Table.Td>
                    {statusLabels[m.status]}
                    <Text size="xs" c="dimmed">
                      {new Date(when).toLocaleString()}
                    </Text>
                  </Table.Td>
                  <Table.Td>{m.author.name || m.author.email}</Table.Td>
                  <Table.Td>
                    {m.status === 'draft'
                      ? '—'
                      : `${c.planned} planned, ${c.sent} sent, ${c.failed} failed, ${c.capped} capped, ${c.suppressed + c.unsubscribed} skipped`}
                  </Table.Td>
                  <Table.Td>
                    {m.status === 'draft' && (
                      <Button
                        size="compact-sm"
                        variant="outline"
                        color="red.9"
                        loading={discard.isPending && discard.variables === m.id}
                        onClick={() => {
                          if (window.confirm(`Discard the draft “${m.subject}”?`)) discard.mutate(m.id);
                        }}
                      >
                        Discard<span className="visually-hidden"> draft {m.subject}</span>
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <CursorPager pages={pages} next={next} />
    </Paper>
  );
}

function Wizard({ orgId, onChanged }: { orgId: string; onChanged: () => void }) {
  const api = useApi();
  const programs = usePrograms(orgId);
  const presets = useQuery({
    queryKey: ['presets', orgId],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/message-presets', { params: { path: { orgId } } })),
  });
  const [step, setStep] = useState(0);
  const [audience, setAudience] = useState({ preset: '', status: 'joined', programIds: [] as string[] });
  const [draft, setDraft] = useState<Message>();
  const [compose, setCompose] = useState({ subject: '', content: '', ctaLabel: '', ctaUrl: '' });
  const [terms, setTerms] = useState(false);

  const create = useMutation({
    mutationFn: () => {
      const aud = { status: audience.status as NonNullable<Schemas['MessageAudience']['status']>, programIds: audience.programIds.length ? audience.programIds : undefined };
      const body: Schemas['NewMessage'] = audience.preset
        ? { preset: audience.preset as Schemas['PresetName'], audience: audience.programIds.length ? { ...aud, status: presetStatus(audience.preset) } : undefined }
        : { audience: aud, subject: 'Hello {{learnerName}}', content: 'Write your message here.' };
      return data(api.POST('/v1/orgs/{orgId}/messages', { params: { path: { orgId } }, body }));
    },
    onSuccess: (m) => {
      onChanged();
      setDraft(m);
      setCompose({ subject: m.subject, content: m.content, ctaLabel: m.callToAction?.label ?? '', ctaUrl: m.callToAction?.url ?? '' });
      setStep(1);
    },
  });
  const presetStatus = (name: string) => presets.data?.items.find((p) => p.name === name)?.status;
  const save = useMutation({
    mutationFn: async () => {
      const path = { orgId, messageId: draft!.id };
      const cta = compose.ctaLabel || compose.ctaUrl ? { label: compose.ctaLabel, url: compose.ctaUrl } : undefined;
      const m = await data(api.PATCH('/v1/orgs/{orgId}/messages/{messageId}', { params: { path }, body: { subject: compose.subject, content: compose.content, callToAction: cta } }));
      const preview = await data(api.POST('/v1/orgs/{orgId}/messages/{messageId}/preview', { params: { path }, body: {} }));
      return { m, preview };
    },
    onSuccess: ({ m }) => {
      setDraft(m);
      setStep(2);
    },
  });
  const send = useMutation({
    mutationFn: () => data(api.POST('/v1/orgs/{orgId}/messages/{messageId}/send', { params: { path: { orgId, messageId: draft!.id } }, body: { acceptTerms: terms } })),
    onSuccess: () => {
      onChanged();
      setStep(0);
      setDraft(undefined);
      setTerms(false);
    },
  });
  const preview = save.data?.preview;

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3" mb="sm">
        New message
      </Title>
      <Stepper active={step} onStepClick={(s) => s < step && setStep(s)} allowNextStepsSelect={false}>
        <Stepper.Step label="Audience" description="Who gets it">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate();
            }}
          >
            <Stack maw={560} mt="md">
              <FormError error={create.error} fields={['audience', 'preset']} />
              {presets.isError && <ErrorState error={presets.error} title="Presets could not be loaded" />}
              <Select
                label="Start from"
                data={[{ value: '', label: 'A message of my own' }, ...(presets.data?.items.map((p) => ({ value: p.name, label: `${p.purpose} (${p.audience})` })) ?? [])]}
                value={audience.preset}
                onChange={(v) => setAudience({ ...audience, preset: v ?? '' })}
                allowDeselect={false}
              />
              {!audience.preset && (
                <Select
                  label="Learners"
                  data={statuses.filter((s) => s.value !== 'removed')}
                  value={audience.status}
                  onChange={(v) => setAudience({ ...audience, status: v ?? 'joined' })}
                  allowDeselect={false}
                  error={fieldError(create.error, 'audience.status')}
                />
              )}
              <MultiSelect
                label="Programs"
                description="None chosen: every program."
                data={programs.data?.items.map((p) => ({ value: p.id, label: p.name })) ?? []}
                value={audience.programIds}
                onChange={(v) => setAudience({ ...audience, programIds: v })}
                error={fieldError(create.error, 'audience.programIds')}
              />
              <Group>
                <Button type="submit" loading={create.isPending}>
                  Next: compose
                </Button>
              </Group>
            </Stack>
          </form>
        </Stepper.Step>
        <Stepper.Step label="Compose" description="What it says">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <Stack maw={640} mt="md">
              <FormError error={save.error} fields={['subject', 'content', 'callToAction']} />
              <Text size="sm">
                Placeholders filled in for each learner: {placeholders.map((p) => <Code key={p} mr={4}>{p}</Code>)}
              </Text>
              <TextInput label="Subject" required value={compose.subject} onChange={(e) => setCompose({ ...compose, subject: e.currentTarget.value })} error={fieldError(save.error, 'subject')} />
              <Textarea label="Message" description="Plain text; blank lines separate paragraphs." autosize minRows={6} required value={compose.content} onChange={(e) => setCompose({ ...compose, content: e.currentTarget.value })} error={fieldError(save.error, 'content')} />
              <Group grow>
                <TextInput label="Button label" value={compose.ctaLabel} onChange={(e) => setCompose({ ...compose, ctaLabel: e.currentTarget.value })} error={fieldError(save.error, 'callToAction.label')} />
                <TextInput label="Button link" placeholder="{{programUrl}}" value={compose.ctaUrl} onChange={(e) => setCompose({ ...compose, ctaUrl: e.currentTarget.value })} error={fieldError(save.error, 'callToAction.url')} />
              </Group>
              <Group>
                <Button variant="default" onClick={() => setStep(0)}>
                  Back
                </Button>
                <Button type="submit" loading={save.isPending}>
                  Next: preview
                </Button>
              </Group>
            </Stack>
          </form>
        </Stepper.Step>
        <Stepper.Step label="Preview and send" description="Check, accept, send">
          {preview && (
            <Stack mt="md">
              <Text role="status" data-testid="audience-count">
                Audience: {preview.audience.count.toLocaleString()}
                {preview.audience.complete ? '' : '+'} learners. Preview for {preview.recipient.name || preview.recipient.email}
                {preview.recipient.sample ? ' (a sample learner)' : ''}.
              </Text>
              <Text fw={600}>Subject: {preview.subject}</Text>
              <iframe title="Email preview" srcDoc={preview.html} sandbox="" style={{ width: '100%', height: 360, border: '1px solid #ced4da' }} />
              <FormError error={send.error} fields={['acceptTerms']} />
              <Checkbox label="I accept the terms of use and the privacy policy" checked={terms} onChange={(e) => setTerms(e.currentTarget.checked)} error={fieldError(send.error, 'acceptTerms')} />
              <Group>
                <Button variant="default" onClick={() => setStep(1)}>
                  Back
                </Button>
                <Button onClick={() => send.mutate()} disabled={!terms} loading={send.isPending}>
                  Send message
                </Button>
              </Group>
            </Stack>
          )}
        </Stepper.Step>
      </Stepper>
    </Paper>
  );
}

function Automated({ orgId }: { orgId: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ['automated', orgId],
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/automated-messages', { params: { path: { orgId } } })),
  });
  const toggle = useMutation({
    mutationFn: ({ programId, enabled }: { programId: string; enabled: boolean }) =>
      data(api.PUT('/v1/orgs/{orgId}/automated-messages/invitation-reminder/programs/{programId}', { params: { path: { orgId, programId } }, body: { enabled } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['automated', orgId] }),
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3" mb="xs">
        Automated messages
      </Title>
      {list.isPending && <Loading />}
      {list.isError && <ErrorState error={list.error} retry={() => void list.refetch()} />}
      {toggle.isError && <FormError error={toggle.error} fields={[]} />}
      {list.data && (
        <Table>
          <Table.Caption>Invitation reminders, on the first two Saturdays after an invitation</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Program</Table.Th>
              <Table.Th scope="col">Reminder</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((a) => (
              <Table.Tr key={a.program.id}>
                <Table.Td>{a.program.name}</Table.Td>
                <Table.Td>
                  <Switch
                    checked={a.enabled}
                    label={a.enabled ? 'On' : 'Off'}
                    aria-label={`Invitation reminder for ${a.program.name}`}
                    onChange={(e) => toggle.mutate({ programId: a.program.id, enabled: e.currentTarget.checked })}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

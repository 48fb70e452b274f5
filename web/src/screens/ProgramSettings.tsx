import { useEffect, useState } from 'react';
import { Alert, Button, CopyButton, Group, Image, Modal, NumberInput, Paper, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { data, toApiError, type Program } from '../api/client';
import { useApi } from '../api/context';
import { keys, useProgram } from '../api/queries';
import { uploadImage } from '../lib/imageUpload';
import { ImageFileInput } from '../ui/ImageFileInput';
import { ProgramNav } from '../ui/ProgramNav';
import { ErrorState, fieldError, FormError, Loading } from '../ui/states';

export default function ProgramSettings() {
  const { orgId = '', programId = '' } = useParams();
  const program = useProgram(orgId, programId);
  return (
    <Stack>
      <ProgramNav orgId={orgId} programId={programId} screen="Settings" />
      {program.isPending && <Loading label="Loading the program" />}
      {program.isError && <ErrorState error={program.error} retry={() => void program.refetch()} />}
      {program.data && <SettingsForm program={program.data} />}
      {program.data && <Banner program={program.data} />}
      {program.data && <DeleteProgram program={program.data} />}
    </Stack>
  );
}

function SettingsForm({ program }: { program: Program }) {
  const api = useApi();
  const qc = useQueryClient();
  const [form, setForm] = useState({ name: program.name, tagline: program.tagline, enrollmentLimit: program.enrollmentLimit });
  useEffect(() => setForm({ name: program.name, tagline: program.tagline, enrollmentLimit: program.enrollmentLimit }), [program]);
  const save = useMutation({
    mutationFn: () =>
      data(
        api.PATCH('/v1/orgs/{orgId}/programs/{programId}', {
          params: { path: { orgId: program.orgId, programId: program.id } },
          body: { name: form.name, tagline: form.tagline, enrollmentLimit: form.enrollmentLimit },
        }),
      ),
    onSuccess: (p) => {
      qc.setQueryData(keys.program(program.orgId, program.id), p);
      void qc.invalidateQueries({ queryKey: keys.programs(program.orgId) });
    },
  });
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack maw={560}>
          <FormError error={save.error} fields={['name', 'tagline', 'enrollmentLimit']} />
          {save.isSuccess && (
            <Alert color="green" role="status">
              Saved.
            </Alert>
          )}
          <TextInput label="Name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldError(save.error, 'name')} />
          <Textarea label="Tagline" value={form.tagline} onChange={(e) => setForm({ ...form, tagline: e.currentTarget.value })} error={fieldError(save.error, 'tagline')} />
          <Group align="flex-end">
            <TextInput label="Learner URL" value={program.url} readOnly style={{ flex: 1 }} description={`Slug ${program.slug} (cannot change)`} />
            <CopyButton value={program.url}>
              {({ copied, copy }) => (
                <Button variant="default" onClick={copy} aria-live="polite">
                  {copied ? 'Copied' : 'Copy URL'}
                </Button>
              )}
            </CopyButton>
          </Group>
          <NumberInput
            label="Enrollment limit"
            description="The most courses a member may take at once; 0 for no limit."
            min={0}
            max={1000}
            value={form.enrollmentLimit}
            onChange={(v) => setForm({ ...form, enrollmentLimit: Number(v) || 0 })}
            error={fieldError(save.error, 'enrollmentLimit')}
          />
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save settings
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/** Banner shows the program's banner image, the one learners see at the top of its page, and uploads or removes it. */
function Banner({ program }: { program: Program }) {
  const api = useApi();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const path = { orgId: program.orgId, programId: program.id };
  const change = useMutation({
    mutationFn: async (f: File | null) => {
      const bannerUploadId = f ? await uploadImage(f, 'banner', (body) => data(api.POST('/v1/orgs/{orgId}/programs/{programId}/banner-uploads', { params: { path }, body }))) : '';
      return data(api.PATCH('/v1/orgs/{orgId}/programs/{programId}', { params: { path }, body: { bannerUploadId } }));
    },
    onSuccess: (p) => {
      setFile(null);
      qc.setQueryData(keys.program(program.orgId, program.id), p);
    },
  });
  const err = change.error;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="banner-heading">
      <Title order={2} size="h4" id="banner-heading" mb="xs">
        Banner
      </Title>
      <Stack maw={560}>
        <FormError error={err} fields={['bannerUploadId', 'size', 'contentType']} />
        {change.isSuccess && !change.isPending && (
          <Alert color="green" role="status">
            {change.variables ? 'Banner saved.' : 'Banner removed.'}
          </Alert>
        )}
        {program.bannerUrl ? (
          <Image src={program.bannerUrl} alt={`Current banner of ${program.name}`} mah={160} fit="contain" radius="sm" data-testid="banner-preview" />
        ) : (
          <Text size="sm">No banner: the program’s page shows its name only.</Text>
        )}
        <ImageFileInput what="banner" description="PNG or JPEG, at most 1 MiB; shown at the top of the program’s page for its learners." value={file} onChange={setFile} error={err} field="bannerUploadId" />
        <Group>
          <Button disabled={!file} loading={change.isPending && !!change.variables} onClick={() => change.mutate(file)}>
            Upload banner
          </Button>
          {program.bannerUrl && (
            <Button variant="outline" color="red.9" loading={change.isPending && !change.variables} onClick={() => change.mutate(null)}>
              Remove banner
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}

function DeleteProgram({ program }: { program: Program }) {
  const api = useApi();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const del = useMutation({
    mutationFn: async () => {
      const { response, error } = await api.DELETE('/v1/orgs/{orgId}/programs/{programId}', { params: { path: { orgId: program.orgId, programId: program.id } } });
      if (!response.ok) throw toApiError(response.status, error);
      return response.status;
    },
    onSuccess: (status) => {
      void qc.invalidateQueries({ queryKey: keys.programs(program.orgId) });
      if (status === 204) navigate(`/orgs/${program.orgId}/programs`);
    },
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4">
        Delete this program
      </Title>
      <Text size="sm" my="xs">
        A program without members is deleted at once. With members, joins stop now and its {program.members.toLocaleString()} members are removed in the background
        (progress kept, licences returned, each gets the exit email), then the program is deleted.
      </Text>
      {del.data === 202 && (
        <Alert color="yellow" role="status">
          Deletion started: members are being removed in the background.
        </Alert>
      )}
      <Button color="red.9" variant="outline" onClick={() => setOpen(true)}>
        Delete program…
      </Button>
      <Modal closeButtonProps={{ 'aria-label': 'Close dialog' }} opened={open} onClose={() => setOpen(false)} title={`Delete ${program.name}?`}>
        <Stack>
          <FormError error={del.error} fields={[]} />
          <Text>This cannot be undone.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              color="red.9"
              loading={del.isPending}
              onClick={() => del.mutate(undefined, { onSuccess: () => setOpen(false) })}
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

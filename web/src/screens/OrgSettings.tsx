import { useEffect, useState } from 'react';
import { Alert, Box, Button, Group, Image, Paper, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { data, type Schemas } from '../api/client';
import { useApi } from '../api/context';
import { keys, useOrg } from '../api/queries';
import { uploadImage } from '../lib/imageUpload';
import { ImageFileInput } from '../ui/ImageFileInput';
import { ErrorState, fieldError, FormError, Loading } from '../ui/states';

type Org = Schemas['Org'];
// The fields of the form, with the API fields each one shows: the logo's
// upload step names size and contentType, the change names logoUploadId.
const fields = ['name', 'brandColor', 'invitationMessage', 'logoUploadId', 'size', 'contentType'];

export default function OrgSettings() {
  const { orgId = '' } = useParams();
  const org = useOrg(orgId);
  return (
    <Stack>
      <Title order={1}>Organisation settings</Title>
      {org.isPending && <Loading label="Loading the organisation" />}
      {org.isError && <ErrorState error={org.error} retry={() => void org.refetch()} title="Could not load the organisation" />}
      {org.data && <SettingsForm org={org.data} />}
    </Stack>
  );
}

function formOf(o: Org) {
  return { name: o.name, brandColor: o.brand.color, invitationMessage: o.brand.invitationMessage };
}

/**
 * SettingsForm changes the org's name, brand and default invitation message.
 * A refused save keeps everything typed (and the chosen logo file) and shows
 * each API error on the field it names.
 */
function SettingsForm({ org }: { org: Org }) {
  const api = useApi();
  const qc = useQueryClient();
  const [form, setForm] = useState(formOf(org));
  const [logo, setLogo] = useState<File | null>(null);
  useEffect(() => setForm(formOf(org)), [org]);
  const save = useMutation({
    mutationFn: async () => {
      const logoUploadId = logo
        ? await uploadImage(logo, 'logo', (body) => data(api.POST('/v1/orgs/{orgId}/logo-uploads', { params: { path: { orgId: org.id } }, body })))
        : undefined;
      const body: Schemas['OrgChange'] = { name: form.name, brandColor: form.brandColor, invitationMessage: form.invitationMessage, logoUploadId };
      return data(api.PATCH('/v1/orgs/{orgId}', { params: { path: { orgId: org.id } }, body }));
    },
    onSuccess: (o) => {
      setLogo(null);
      qc.setQueryData(keys.org(org.id), o);
    },
  });
  const err = save.error;
  const colourOk = /^#[0-9a-fA-F]{6}$/.test(form.brandColor);
  return (
    <Paper withBorder p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
        noValidate
      >
        <Stack maw={620}>
          <FormError error={err} fields={fields} />
          {save.isSuccess && !save.isPending && (
            <Alert color="green" role="status">
              Saved.
            </Alert>
          )}
          <TextInput label="Name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldError(err, 'name')} />
          <Group align="flex-end" gap="sm">
            <TextInput
              label="Brand colour"
              description="#rrggbb; colours the button of invitation emails. Empty: the platform colour."
              placeholder="#1864ab"
              value={form.brandColor}
              onChange={(e) => setForm({ ...form, brandColor: e.currentTarget.value.trim() })}
              error={fieldError(err, 'brandColor')}
              style={{ flex: 1 }}
            />
            <Box aria-hidden w={36} h={36} mb={fieldError(err, 'brandColor') ? 24 : 0} style={{ borderRadius: 4, border: '1px solid #868e96', background: colourOk ? form.brandColor : 'transparent' }} />
          </Group>
          <Stack gap={4}>
            {org.brand.logoUrl ? (
              <Image src={org.brand.logoUrl} alt={`Current logo of ${org.name}`} h={48} w="auto" fit="contain" style={{ alignSelf: 'flex-start' }} />
            ) : (
              <Text size="sm">No logo yet.</Text>
            )}
            <ImageFileInput
              what="logo"
              description="PNG or JPEG, at most 1 MiB; taken when you save. It heads every email sent for the organisation, at most 48 px high."
              value={logo}
              onChange={setLogo}
              error={err}
              field="logoUploadId"
            />
          </Stack>
          <Textarea
            label="Default invitation message"
            description="Shown in invitation emails that carry no message of their own; HTML is shown as text. At most 2,000 characters."
            autosize
            minRows={4}
            value={form.invitationMessage}
            onChange={(e) => setForm({ ...form, invitationMessage: e.currentTarget.value })}
            error={fieldError(err, 'invitationMessage')}
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

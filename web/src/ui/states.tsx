import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

/** Loading is a screen's or section's loading state, announced politely. */
export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Loader size="sm" aria-hidden />
      <Text ml="sm">{label}…</Text>
    </Center>
  );
}

/** Empty is the state of a list with nothing in it, with what to do next. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Stack align="center" py="xl" gap="xs">
      <Text fw={600}>{title}</Text>
      {children}
    </Stack>
  );
}

/** describe turns any error into a message for people. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 403) return `${err.message} (you are not an admin here).`;
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** ErrorState shows a failed load, its details and a retry. */
export function ErrorState({ error, retry, title = 'Could not load this' }: { error: unknown; retry?: () => void; title?: string }) {
  const details = error instanceof ApiError ? error.details : [];
  return (
    <Alert color="red" title={title} role="alert" my="md">
      <Text size="sm">{describe(error)}</Text>
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d.field}>
              <code>{d.field}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
      {retry && (
        <Button size="xs" variant="outline" color="red.9" mt="sm" onClick={retry}>
          Try again
        </Button>
      )}
    </Alert>
  );
}

/** FormError shows a refused form's message and the details no field claims. */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  if (!error) return null;
  const rest = error instanceof ApiError ? error.unclaimed(fields) : [];
  return (
    <Alert color="red" role="alert" title="Not saved">
      <Text size="sm">{describe(error)}</Text>
      {rest.length > 0 && (
        <ul>
          {rest.map((d) => (
            <li key={d.field}>
              <code>{d.field}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

/** fieldError is the API's message for a form field, for an input's error prop. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.field(field) : undefined;
}

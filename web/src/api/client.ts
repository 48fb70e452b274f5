import createClient, { type Middleware } from 'openapi-fetch';
import type { paths, components } from './schema';

export type Schemas = components['schemas'];
export type Learner = Schemas['Learner'];
export type Program = Schemas['Program'];
export type Contract = Schemas['Contract'];

/** FieldError is one field at fault in a 400 answer. */
export type FieldError = Schemas['FieldError'];

/**
 * ApiError is a refused or failed API call: the HTTP status, the API's error
 * code and message, and the fields at fault, which forms show on the field
 * they name.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** field returns the messages for a field (and its sub-fields: "admins[0].email" for "admins"). */
  field(name: string): string | undefined {
    const hits = this.details.filter((d) => d.field === name || d.field.startsWith(name + '.') || d.field.startsWith(name + '['));
    return hits.length ? hits.map((d) => d.message).join('; ') : undefined;
  }

  /** unclaimed returns the details no field of the form names, to show above it. */
  unclaimed(fields: string[]): FieldError[] {
    return this.details.filter((d) => !fields.some((f) => d.field === f || d.field.startsWith(f + '.') || d.field.startsWith(f + '[')));
  }
}

/** toApiError turns an error body (the API's or API Gateway's) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  const b = body as { error?: { code?: string; message?: string; details?: FieldError[] }; message?: string } | undefined;
  if (b?.error) return new ApiError(status, b.error.code ?? 'unknown', b.error.message ?? `HTTP ${status}`, b.error.details ?? []);
  if (b?.message) return new ApiError(status, status === 401 ? 'unauthorised' : 'gateway', b.message);
  return new ApiError(status, 'unknown', `HTTP ${status}`);
}

export type Client = ReturnType<typeof createApi>;

/**
 * createApi returns the typed client of the public API at baseUrl, sending
 * the current token and calling onUnauthorised on a 401.
 */
export function createApi(baseUrl: string, token: () => string | undefined, onUnauthorised: () => void) {
  const client = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    onRequest({ request }) {
      const t = token();
      if (t) request.headers.set('Authorization', `Bearer ${t}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorised();
      return response;
    },
  };
  client.use(auth);
  return client;
}

/**
 * data unwraps an openapi-fetch answer: its data, or an ApiError thrown.
 * A 204 answers undefined as data.
 */
export async function data<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data: d, error, response } = await p;
  if (!response.ok) throw toApiError(response.status, error);
  return d as T;
}

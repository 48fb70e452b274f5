// The queries several screens share, with one cache key each, so that a
// change made on one screen (a program created) refreshes the others.
import { useQuery } from '@tanstack/react-query';
import { data } from './client';
import { useApi } from './context';

export const keys = {
  org: (orgId: string) => ['org', orgId] as const,
  programs: (orgId: string) => ['programs', orgId] as const,
  program: (orgId: string, programId: string) => ['program', orgId, programId] as const,
  contracts: (orgId: string) => ['contracts', orgId] as const,
  members: (orgId: string, programId: string) => ['members', orgId, programId] as const,
  invitations: (orgId: string, programId: string) => ['invitations', orgId, programId] as const,
  domains: (orgId: string, programId: string) => ['domains', orgId, programId] as const,
  admins: (orgId: string) => ['admins', orgId] as const,
  collections: (orgId: string, programId: string) => ['collections', orgId, programId] as const,
  messages: (orgId: string) => ['messages', orgId] as const,
  reports: (orgId: string) => ['reports', orgId] as const,
};

export function useOrg(orgId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.org(orgId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}', { params: { path: { orgId } } })),
  });
}

/** usePrograms lists the org's programs (the first 100: enough for a console page). */
export function usePrograms(orgId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.programs(orgId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs', { params: { path: { orgId }, query: { limit: 100 } } })),
  });
}

export function useProgram(orgId: string, programId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.program(orgId, programId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/programs/{programId}', { params: { path: { orgId, programId } } })),
  });
}

export function useContracts(orgId: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.contracts(orgId),
    queryFn: () => data(api.GET('/v1/orgs/{orgId}/contracts', { params: { path: { orgId }, query: { limit: 100 } } })),
  });
}

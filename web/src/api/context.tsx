import { createContext, useContext } from 'react';
import type { Client } from './client';
import type { Auth } from '../auth/auth';

export const ApiContext = createContext<Client | null>(null);
export const AuthContext = createContext<Auth | null>(null);

/** useApi returns the API client of the signed-in session. */
export function useApi(): Client {
  const c = useContext(ApiContext);
  if (!c) throw new Error('useApi outside ApiContext');
  return c;
}

/** useAuth returns the sign-in of this console. */
export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside AuthContext');
  return a;
}

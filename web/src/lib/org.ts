// The organisation the admin works in. The API has no route listing the
// organisations of the caller, so the console remembers the last one opened
// (its id is in every URL of the console, too).
const key = 'backoffice.lastOrg';

export function rememberOrg(id: string) {
  try {
    localStorage.setItem(key, id);
  } catch {
    /* storage may be off; the URL still carries the org */
  }
}

export function lastOrg(): string | undefined {
  try {
    return localStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

// The one API client of the app: the core's typed client with tokens in localStorage.
import { createLinli, ok, type Tokens, type Schemas } from '../../core/index';

export { ok, apiError, hasCode, idempotencyKey, ApiError, NetworkError } from '../../core/index';
export type { ErrorCode } from '../../core/index';
export type { Schemas };

const KEY = 'linli.tokens';

export const tokens = {
  get(): Tokens | null {
    try {
      return JSON.parse(localStorage.getItem(KEY) ?? 'null') as Tokens | null;
    } catch {
      return null;
    }
  },
  set(t: Tokens | null): void {
    if (t) localStorage.setItem(KEY, JSON.stringify(t));
    else localStorage.removeItem(KEY);
  },
};

export const api = createLinli({
  tokens,
  onLoggedOut: () => {
    location.hash = '#/login';
  },
});

/** The signed-in user, fetched once per navigation that needs it. */
export async function me(): Promise<Schemas['MeView']> {
  return ok(api.GET('/api/v1/me'));
}

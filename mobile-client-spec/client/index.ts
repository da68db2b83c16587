// A small typed client for the Linli API: `openapi-fetch` over the types that
// `openapi-typescript` generates from openapi/openapi.json (schema.d.ts, never edited by hand).
//
// What it adds to plain fetch, as mobile-client-spec/README.md asks of every phone client:
// - `Authorization: Bearer` on every call, and one refresh at a time when the access token
//   expired (401 `token_expired`), then the failed call once more;
// - a network failure of a call that carries an `Idempotency-Key` is retried with the same key;
// - errors come back as `ApiError` with the server's stable `code`, its `message` for the user,
//   and `field` / `details`.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths } from './schema';
export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBody'];

/** Where the tokens live (memory, localStorage, the mini-program's storage...). */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** An answer outside 2xx, or no answer at all (`status` 0, `code` `network_error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string | null,
    readonly details?: unknown,
    readonly requestId?: string | null,
  ) {
    super(message);
  }
}

export interface LinliOptions {
  baseUrl?: string;
  tokens: TokenStore;
  /** Called when the session is over (refresh refused): show the login screen. */
  onLoggedOut?: () => void;
  /** Extra attempts after a network failure of a request with an `Idempotency-Key`. */
  networkRetries?: number;
  fetch?: typeof fetch;
}

/** A fresh key for one user action (one tap); reuse it only to retry that same action. */
export function idempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

export function createLinli(options: LinliOptions) {
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = options.networkRetries ?? 2;
  let refreshing: Promise<boolean> | null = null;

  async function refresh(): Promise<boolean> {
    const current = options.tokens.get();
    if (!current) return false;
    const res = await baseFetch(`${options.baseUrl ?? ''}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    });
    if (!res.ok) {
      options.tokens.set(null);
      options.onLoggedOut?.();
      return false;
    }
    const body = (await res.json()) as Schemas['TokenResponse'];
    options.tokens.set({ access_token: body.access_token, refresh_token: body.refresh_token });
    return true;
  }

  async function send(request: Request): Promise<Response> {
    const token = options.tokens.get()?.access_token;
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    const keyed = request.headers.has('Idempotency-Key');
    for (let attempt = 0; ; attempt++) {
      try {
        return await baseFetch(request.clone());
      } catch (e) {
        // Same request, same key: the server does the work at most once.
        if (!keyed || attempt >= retries) throw e;
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
  }

  async function authedFetch(request: Request): Promise<Response> {
    const original = request.clone();
    const res = await send(request);
    if (res.status !== 401 || !options.tokens.get()) return res;
    const code = ((await res.clone().json().catch(() => ({}))) as Partial<ErrorBody>).code;
    if (code !== 'token_expired') {
      if (code === 'invalid_token' || code === 'unauthorized') {
        options.tokens.set(null);
        options.onLoggedOut?.();
      }
      return res;
    }
    // One refresh at a time: refresh tokens are single use.
    refreshing ??= refresh().finally(() => (refreshing = null));
    return (await refreshing) ? send(original) : res;
  }

  const client = createClient<paths>({ baseUrl: options.baseUrl ?? '', fetch: authedFetch });
  return client;
}

export type LinliClient = ReturnType<typeof createLinli>;

/**
 * Unwrap an openapi-fetch answer: the data, or throw `ApiError`.
 * `await ok(api.GET('/api/v1/me'))`.
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch {
    throw new ApiError(0, 'network_error', '网络连接失败，请检查网络后重试');
  }
  const { data, error, response } = answer;
  if (response.ok) return data as T;
  const body = (error ?? {}) as Partial<ErrorBody>;
  throw new ApiError(
    response.status,
    body.code ?? 'http_' + response.status,
    body.message ?? `请求失败（${response.status}）`,
    body.field,
    body.details,
    response.headers.get('X-Request-Id'),
  );
}

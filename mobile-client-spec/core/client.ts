// A small typed client for the Linli API: `openapi-fetch` over the types that
// `openapi-typescript` generates from openapi/openapi.json (schema.d.ts, never edited by hand).
//
// What it adds to plain fetch, as mobile-client-spec/README.md asks of every phone client:
// - `Authorization: Bearer` on every call, and one refresh at a time when the access token
//   expired (401 `token_expired`), then the failed call once more;
// - the session ends only when the server says the refresh token is dead
//   (`invalid_refresh_token`, `refresh_token_reused`) or the access token is refused
//   (`invalid_token`, `unauthorized`): a busy server (503, 429) or a lost network during a
//   refresh keeps both tokens, and the call fails with that answer, to be tried again later;
// - a network failure of a call that carries an `Idempotency-Key` is retried with the same key;
// - errors come back as `ApiError` with the server's stable `code` (the generated `ErrorCode`
//   union, so a misspelt code does not compile), its `message` for the user, and `field` /
//   `details`; no answer at all comes back as `NetworkError`.
import createClient from 'openapi-fetch';
import type { components, paths } from '../client/schema';

export type { components, paths } from '../client/schema';
export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBody'];
/** Every code the server may answer with; switch on these, never on free strings. */
export type ErrorCode = Schemas['ErrorCode'];

/** Where the tokens live (memory, localStorage, the mini-program's storage...). */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

/** An answer outside 2xx. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's code; `null` when the answer did not come from Linli (e.g. a proxy's 502 page). */
    readonly code: ErrorCode | null,
    message: string,
    readonly field?: string | null,
    readonly details?: unknown,
    readonly requestId?: string | null,
  ) {
    super(message);
  }
}

/** No answer at all: offline, DNS, a dropped connection. */
export class NetworkError extends Error {
  constructor() {
    super('网络连接失败，请检查网络后重试');
  }
}

/** The session is over: drop both tokens and log in again. */
const SESSION_ENDED: readonly ErrorCode[] = ['invalid_token', 'unauthorized'];
const REFRESH_REFUSED: readonly ErrorCode[] = ['invalid_refresh_token', 'refresh_token_reused'];

export interface LinliOptions {
  baseUrl?: string;
  tokens: TokenStore;
  /** Called when the session is over (refresh refused, token invalid): show the login screen. */
  onLoggedOut?: () => void;
  /** Extra attempts after a network failure of a request with an `Idempotency-Key`. */
  networkRetries?: number;
  /** Give up on an answer after this many milliseconds (default 15 000): counted as a network
   * failure, so a keyed request is retried with its same key. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A fresh key for one user action (one tap); reuse it only to retry that same action. */
export function idempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/** The code of an error answer, if it has the API's error shape. */
async function codeOf(res: Response): Promise<ErrorCode | undefined> {
  const body = (await res.clone().json().catch(() => null)) as Partial<ErrorBody> | null;
  return body?.code;
}

/**
 * How a refresh ended: new tokens; the session is over (the server refused the refresh token);
 * or no verdict (busy server, lost network), with the answer or failure the waiting call gets.
 */
type Refreshed =
  | { kind: 'renewed' }
  | { kind: 'ended' }
  | { kind: 'unsettled'; answer: Response }
  | { kind: 'unsettled'; failure: unknown };

export function createLinli(options: LinliOptions) {
  const rawFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = options.networkRetries ?? 2;
  const timeoutMs = options.timeoutMs ?? 15_000;
  /** fetch with a deadline: a phone on a bad line must not wait forever for an answer. */
  const baseFetch = (input: Request | string, init?: RequestInit): Promise<Response> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    return rawFetch(input, { ...init, signal: controller.signal }).finally(() => clearTimeout(timer));
  };
  let refreshing: Promise<Refreshed> | null = null;

  function endSession(): void {
    options.tokens.set(null);
    options.onLoggedOut?.();
  }

  async function refresh(): Promise<Refreshed> {
    const current = options.tokens.get();
    if (!current) return { kind: 'ended' };
    let res: Response;
    try {
      res = await baseFetch(`${options.baseUrl ?? ''}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: current.refresh_token }),
      });
    } catch (failure) {
      return { kind: 'unsettled', failure };
    }
    if (res.ok) {
      const body = (await res.json()) as Schemas['TokenResponse'];
      options.tokens.set({ access_token: body.access_token, refresh_token: body.refresh_token });
      return { kind: 'renewed' };
    }
    const code = await codeOf(res);
    if (code && REFRESH_REFUSED.includes(code)) {
      endSession();
      return { kind: 'ended' };
    }
    // 503, 429, a proxy's error page...: the refresh token may still be good. Keep it.
    return { kind: 'unsettled', answer: res };
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
    const code = await codeOf(res);
    if (code !== 'token_expired') {
      if (code && SESSION_ENDED.includes(code)) endSession();
      return res;
    }
    // One refresh at a time: refresh tokens are single use.
    refreshing ??= refresh().finally(() => (refreshing = null));
    const refreshed = await refreshing;
    switch (refreshed.kind) {
      case 'renewed':
        return send(original);
      case 'ended':
        return res;
      case 'unsettled':
        // The call fails the way the refresh did (busy, offline); the tokens stay for the next try.
        if ('answer' in refreshed) return refreshed.answer.clone();
        throw refreshed.failure;
    }
  }

  const client = createClient<paths>({ baseUrl: options.baseUrl ?? '', fetch: authedFetch });
  /** Log out: the server forgets the refresh token (and every token rotated from it), then the
   * phone forgets both. A failed call still forgets them here: the user asked to leave. */
  async function logout(): Promise<void> {
    const current = options.tokens.get();
    options.tokens.set(null);
    if (!current) return;
    await baseFetch(`${options.baseUrl ?? ''}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    }).catch(() => undefined);
  }
  return Object.assign(client, { logout });
}

export type LinliClient = ReturnType<typeof createLinli>;

/**
 * Unwrap an openapi-fetch answer: the data, or throw `ApiError` (an answer outside 2xx) or
 * `NetworkError` (no answer). `await ok(api.GET('/api/v1/me'))`.
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch {
    throw new NetworkError();
  }
  const { data, error, response } = answer;
  if (response.ok) return data as T;
  throw apiError(response, error);
}

/** The `ApiError` for an answer outside 2xx and its parsed body (if any). */
export function apiError(response: Response, body: unknown): ApiError {
  const shaped = (body ?? {}) as Partial<ErrorBody>;
  return new ApiError(
    response.status,
    shaped.code ?? null,
    shaped.message ?? `请求失败（${response.status}）`,
    shaped.field,
    shaped.details,
    response.headers.get('X-Request-Id'),
  );
}

/** Whether `e` is the server's answer with one of these codes. */
export function hasCode(e: unknown, ...codes: ErrorCode[]): e is ApiError {
  return e instanceof ApiError && e.code !== null && codes.includes(e.code);
}

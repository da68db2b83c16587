// The platform adapter: a `fetch` over `wx.request`, so the shared core's client (timeouts, one
// token refresh at a time, retries with the same idempotency key) runs unchanged in WeChat.
// A failure to get any answer rejects (the core counts it as a network failure and retries a
// keyed request with its same key); every answer, 4xx and 5xx included, resolves as a Response.

/** The part of `wx.request` this adapter uses (so Node tests can pass one backed by fetch). */
export type WxRequest = (options: {
  url: string;
  method: string;
  header: Record<string, string>;
  data?: string;
  dataType: 'text' | 'json' | '其他';
  responseType: 'text';
  timeout?: number;
  success: (res: { statusCode: number; data: unknown; header: Record<string, string> }) => void;
  fail: (err: { errMsg: string }) => void;
}) => { abort(): void } | undefined | void;

export interface WxFetchOptions {
  /** Milliseconds before `wx.request` itself gives up (the core has its own deadline too). */
  timeoutMs?: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

export function wxFetch(request: WxRequest, options: WxFetchOptions = {}) {
  return (input: Request | string, init?: RequestInit): Promise<Response> => {
    const req = typeof input === 'string' ? new Request(input, init) : input;
    const signal = init?.signal ?? req.signal;
    return req.text().then((body) => new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('aborted'));
      const header: Record<string, string> = {};
      req.headers.forEach((v, k) => (header[k] = v));
      const method = req.method.toUpperCase();
      if (!METHODS.includes(method)) return reject(new Error(`method ${method}`));
      const task = request({
        url: req.url,
        method,
        header,
        data: body || undefined,
        // Text in, text out: the core parses JSON itself and needs the error bodies verbatim.
        dataType: '其他',
        responseType: 'text',
        timeout: options.timeoutMs,
        success: (res) => {
          const text = typeof res.data === 'string' ? res.data : JSON.stringify(res.data ?? '');
          const status = res.statusCode;
          // Response refuses a body on 204/304.
          const bodyless = status === 204 || status === 304 || method === 'HEAD';
          resolve(new Response(bodyless ? null : text, { status, headers: lower(res.header) }));
        },
        fail: (err) => reject(new Error(err.errMsg || 'request:fail')),
      });
      signal?.addEventListener('abort', () => {
        task?.abort();
        reject(new Error('aborted'));
      });
    }));
  };
}

function lower(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}

// The few web globals the shared core and openapi-fetch use that the mini-program's JS engine
// lacks (Headers, Request, Response, AbortController, FormData, crypto.randomUUID). Installed only
// where missing: in Node and in a browser the platform's own are used.
type Bag = Record<string, unknown>;

class MiniHeaders {
  private readonly map = new Map<string, string>();
  constructor(init?: MiniHeaders | Record<string, string> | [string, string][]) {
    if (!init) return;
    const pairs = init instanceof MiniHeaders ? [...init.entries()] : Array.isArray(init) ? init : Object.entries(init);
    for (const [k, v] of pairs) this.set(k, v);
  }
  get(k: string): string | null {
    return this.map.get(k.toLowerCase()) ?? null;
  }
  set(k: string, v: string): void {
    this.map.set(k.toLowerCase(), String(v));
  }
  append(k: string, v: string): void {
    const old = this.get(k);
    this.set(k, old === null ? v : `${old}, ${v}`);
  }
  has(k: string): boolean {
    return this.map.has(k.toLowerCase());
  }
  delete(k: string): void {
    this.map.delete(k.toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  forEach(f: (v: string, k: string) => void): void {
    this.map.forEach((v, k) => f(v, k));
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

interface Init {
  method?: string;
  headers?: MiniHeaders | Record<string, string>;
  body?: string | null;
  signal?: MiniSignal | null;
}

class MiniSignal {
  aborted = false;
  private readonly listeners: (() => void)[] = [];
  addEventListener(_type: 'abort', f: () => void): void {
    this.listeners.push(f);
  }
  removeEventListener(_type: 'abort', f: () => void): void {
    const i = this.listeners.indexOf(f);
    if (i >= 0) this.listeners.splice(i, 1);
  }
  fire(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const f of [...this.listeners]) f();
  }
}

class MiniAbortController {
  readonly signal = new MiniSignal();
  abort(): void {
    this.signal.fire();
  }
}

class MiniRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: MiniHeaders;
  readonly body: string | null;
  readonly signal: MiniSignal | null;
  constructor(input: string | MiniRequest, init: Init = {}) {
    const base = typeof input === 'string' ? null : input;
    this.url = base ? base.url : input as string;
    this.method = (init.method ?? base?.method ?? 'GET').toUpperCase();
    this.headers = new MiniHeaders(init.headers ?? base?.headers);
    this.body = init.body ?? base?.body ?? null;
    this.signal = init.signal ?? base?.signal ?? null;
  }
  clone(): MiniRequest {
    return new MiniRequest(this);
  }
  text(): Promise<string> {
    return Promise.resolve(this.body ?? '');
  }
}

class MiniResponse {
  readonly status: number;
  readonly headers: MiniHeaders;
  readonly body: string | null;
  constructor(body?: string | null, init: { status?: number; headers?: Record<string, string> | MiniHeaders } = {}) {
    this.body = body ?? null;
    this.status = init.status ?? 200;
    this.headers = new MiniHeaders(init.headers);
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  clone(): MiniResponse {
    return new MiniResponse(this.body, { status: this.status, headers: this.headers });
  }
  text(): Promise<string> {
    return Promise.resolve(this.body ?? '');
  }
  json(): Promise<unknown> {
    return this.text().then((t) => JSON.parse(t) as unknown);
  }
}

class MiniFormData {}

let counter = 0;
function randomUUID(): string {
  const hex = (n: number) => Math.floor(Math.random() * 16 ** n).toString(16).padStart(n, '0');
  counter = (counter + 1) % 0x10000;
  // RFC 4122 version 4 layout; the counter keeps two keys of one millisecond apart.
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(Math.random() * 4)).toString(16)}${hex(3)}-${Date.now().toString(16).slice(-8)}${counter.toString(16).padStart(4, '0')}`;
}

/** Put whatever is missing on `target` (globalThis by default); returns the names installed. */
export function installPolyfills(target: Bag = globalThis): string[] {
  const installed: string[] = [];
  const give = (name: string, value: unknown) => {
    if (target[name] === undefined) {
      target[name] = value;
      installed.push(name);
    }
  };
  give('Headers', MiniHeaders);
  give('Request', MiniRequest);
  give('Response', MiniResponse);
  give('AbortController', MiniAbortController);
  give('FormData', MiniFormData);
  const crypto = (target.crypto ?? {}) as Bag;
  if (typeof crypto.randomUUID !== 'function') {
    crypto.randomUUID = randomUUID;
    target.crypto = crypto;
    installed.push('crypto.randomUUID');
  }
  return installed;
}

// A property firm's first hour against a running Linli server, through a client generated from
// the committed OpenAPI document: `openapi-fetch` over the types `openapi-typescript` makes from
// openapi/openapi.json (client/schema.d.ts, the same generated file the resident apps use; no
// path, body or answer of a partner call is written by hand here, and the CSV report is read with
// openapi-fetch's own `parseAs: 'text'`).
//
// Then it checks that EVERY operation the served document tags `partner` or `partner-admin` was
// called: a new partner operation fails this script until a step calls it (add one entry to
// STEPS below, where its ids are at hand).
//
//   LINLI_BASE_URL=http://127.0.0.1:8080 LINLI_STAFF_TOKEN=... LINLI_RESIDENT_TOKEN=... \
//     node partner-client/dist/first-hour.mjs
//
// LINLI_STAFF_TOKEN: a staff member's access token (registers the firm, its API client, and
// manages them: the partner-admin operations). LINLI_RESIDENT_TOKEN: a resident bound to a
// household; the firm gets that household's compound, and the resident books the firm's new
// pile so that a booking and its webhook arrive. The script receives webhooks itself on
// http://127.0.0.1:<free port>, so the server needs LINLI_WEBHOOK_ALLOW_PRIVATE=1 and
// LINLI_WEBHOOK_ALLOW_HTTP=1 and its background jobs on. Exit code 0: every step answered as
// expected and every partner operation was called; otherwise 1, with what went wrong on stderr.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from '../client/schema';

type Schemas = components['schemas'];
type Api = Client<paths>;

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const BASE = env('LINLI_BASE_URL').replace(/\/$/, '');
/** Steps of this operation are left out (to see the coverage check fail; tests only). */
const SKIP = process.env.LINLI_FIRST_HOUR_SKIP;
const PARTNER_TAGS = ['partner', 'partner-admin'];

/** Every operation called, as `METHOD /path/{template}`, with the statuses it answered. */
const called = new Map<string, number[]>();
const recorder: Middleware = {
  onResponse({ request, response, schemaPath }) {
    const op = `${request.method} ${schemaPath}`;
    called.set(op, [...(called.get(op) ?? []), response.status]);
  },
};

function client(auth?: string): Api {
  const api = createClient<paths>({ baseUrl: BASE, headers: auth ? { Authorization: auth } : {} });
  api.use(recorder);
  return api;
}

const key = () => ({ 'Idempotency-Key': randomUUID() });

/** A webhook as the firm's endpoint received it. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** The firm's webhook endpoint: answers 204 and keeps what came. */
async function receiver(): Promise<{ url: string; seen: Received[]; close: () => void }> {
  const seen: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, seen, close: () => server.close() };
}

/** Standard Webhooks: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret after `whsec_`. */
function verified(secret: string, w: Received): boolean {
  const [id, ts, sigs] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => String(w.headers[h] ?? ''));
  const mac = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${ts}.${w.body}`).digest();
  return sigs.split(' ').some((s) => {
    const [v, b64] = s.split(',');
    const sig = Buffer.from(b64 ?? '', 'base64');
    return v === 'v1' && sig.length === mac.length && timingSafeEqual(sig, mac);
  });
}

/** RFC 4180 CSV: rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function check(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Error(what);
}

/** A grid-aligned time `minutes` after the current half hour began (RFC 3339, UTC). */
function slot(minutes: number): string {
  const half = 30 * 60_000;
  return new Date(Math.floor(Date.now() / half) * half + minutes * 60_000).toISOString();
}

/** China's today and tomorrow (the booking may start after midnight there): the report's days. */
function reportDays(): { from: string; to: string } {
  const day = (offset: number) => new Date(Date.now() + (8 + 24 * offset) * 3_600_000).toISOString().slice(0, 10);
  return { from: day(0), to: day(1) };
}

async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the steps learn and pass on. */
interface Ctx {
  admin: Api;
  resident: Api;
  /** The firm's client, with its current access token. */
  firm: Api;
  hooks: Awaited<ReturnType<typeof receiver>>;
  compoundId: number;
  partner: Schemas['PartnerView'];
  credentials: { id: string; secret: string };
  pile: Schemas['PartnerPileView'];
  subscription: { id: number; secret: string };
  bookingId: number;
  deliveryId: number;
  /** A maintenance window on the pile's second socket, from 3 to 4 hours ahead. */
  maintenanceId: number;
  report: Schemas['UtilisationRow'][];
}

/** One call (or a few of the same operation) and the status each must answer. */
interface Step {
  /** The operation, `METHOD /path/{template}` as in the document. */
  op: string;
  status: number;
  run: (c: Ctx) => Promise<{ response: Response; error?: unknown }>;
}

const token = (c: Ctx, r: { data?: Schemas['PartnerToken'] }) => {
  check(r.data?.token_type === 'Bearer' && r.data.access_token, 'a Bearer token');
  c.firm = client(`Bearer ${r.data.access_token}`);
};

// The firm's first hour, in order. Each entry calls its operation through the generated client;
// to cover a new operation, add an entry here.
const STEPS: Step[] = [
  // Linli's staff register the firm for the resident's compound and give it an API client.
  { op: 'GET /api/v1/me', status: 200, run: async (c) => {
    const r = await c.resident.GET('/api/v1/me');
    check(r.data?.household, 'the resident has a household');
    c.compoundId = r.data.household.address.compound.id;
    return r;
  } },
  { op: 'POST /api/v1/partners', status: 201, run: async (c) => {
    const r = await c.admin.POST('/api/v1/partners', {
      params: { header: key() },
      body: { name: `第一小时物业${randomUUID().slice(0, 8)}`, compound_ids: [c.compoundId] },
    });
    if (r.data) c.partner = r.data;
    return r;
  } },
  { op: 'GET /api/v1/partners', status: 200, run: async (c) => {
    const r = await c.admin.GET('/api/v1/partners');
    check(r.data?.some((p) => p.id === c.partner.id), 'the new firm is listed');
    return r;
  } },
  { op: 'POST /api/v1/partners/{id}/clients', status: 201, run: async (c) => {
    const r = await c.admin.POST('/api/v1/partners/{id}/clients', {
      params: { path: { id: c.partner.id }, header: key() },
      body: { name: '物业管理系统', scopes: ['piles:read', 'piles:write', 'bookings:read', 'webhooks:manage'] },
    });
    if (r.data) c.credentials = { id: r.data.client_id, secret: r.data.client_secret };
    return r;
  } },
  { op: 'PUT /api/v1/partners/{id}/compounds', status: 200, run: async (c) => {
    const r = await c.admin.PUT('/api/v1/partners/{id}/compounds', {
      params: { path: { id: c.partner.id } },
      body: { compound_ids: [c.compoundId] },
    });
    check(r.data?.compound_ids.includes(c.compoundId), 'the firm keeps its compound');
    return r;
  } },
  // The firm's developer: a token three ways (JSON body, the OAuth 2 form, HTTP Basic).
  { op: 'POST /api/v1/partner/token', status: 200, run: async (c) => {
    const r = await client().POST('/api/v1/partner/token', {
      body: { grant_type: 'client_credentials', client_id: c.credentials.id, client_secret: c.credentials.secret },
    });
    token(c, r);
    return r;
  } },
  { op: 'POST /api/v1/partner/token', status: 200, run: async (c) => {
    const r = await client().POST('/api/v1/partner/token', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: { grant_type: 'client_credentials', client_id: c.credentials.id, client_secret: c.credentials.secret, scope: 'piles:read bookings:read' },
    });
    check(r.data?.scope === 'piles:read bookings:read', `the form token has the scopes asked for: ${r.data?.scope}`);
    return r;
  } },
  { op: 'POST /api/v1/partner/token', status: 200, run: async (c) => {
    const basic = Buffer.from(`${c.credentials.id}:${c.credentials.secret}`).toString('base64');
    const r = await client(`Basic ${basic}`).POST('/api/v1/partner/token', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: { grant_type: 'client_credentials' },
    });
    token(c, r);
    return r;
  } },
  // First calls: its compounds and piles; a new pile with a third socket.
  { op: 'GET /api/v1/partner/compounds', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/compounds');
    check(r.data?.map((x) => x.id).join() === String(c.compoundId), 'the firm sees exactly its compound');
    return r;
  } },
  { op: 'GET /api/v1/partner/compounds/{id}/piles', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/compounds/{id}/piles', { params: { path: { id: c.compoundId }, query: { per_page: 10 } } });
    check(r.data?.per_page === 10 && r.data.items.length <= 10, 'the piles come a page at a time');
    return r;
  } },
  { op: 'POST /api/v1/partner/compounds/{id}/piles', status: 201, run: async (c) => {
    const r = await c.firm.POST('/api/v1/partner/compounds/{id}/piles', {
      params: { path: { id: c.compoundId }, header: key() },
      body: { name: '第一小时桩', location: '3号车棚', sockets: 2 },
    });
    if (r.data) c.pile = r.data;
    return r;
  } },
  // Its compound's price plan: none yet, then set (two bands, 30-minute unit) and read back.
  { op: 'GET /api/v1/partner/compounds/{id}/price-plan', status: 404, run: (c) =>
    c.firm.GET('/api/v1/partner/compounds/{id}/price-plan', { params: { path: { id: c.compoundId } } }) },
  { op: 'PUT /api/v1/partner/compounds/{id}/price-plan', status: 200, run: async (c) => {
    const r = await c.firm.PUT('/api/v1/partner/compounds/{id}/price-plan', {
      params: { path: { id: c.compoundId } },
      body: {
        bands: [{ from_w: 0, to_w: 400, fen_per_hour: 50 }, { from_w: 400, to_w: 700, fen_per_hour: 80 }],
        unit_minutes: 30, min_fee_fen: 20, max_hours: 12, fault_waiver_minutes: 5,
      },
    });
    check(r.data?.highest_fen_per_hour === 80, 'the plan is priced by its highest band');
    return r;
  } },
  { op: 'GET /api/v1/partner/compounds/{id}/price-plan', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/compounds/{id}/price-plan', { params: { path: { id: c.compoundId } } });
    check(r.data?.version === 1 && r.data.highest_fen_per_hour === 80, 'the plan reads back');
    return r;
  } },
  { op: 'GET /api/v1/partner/piles/{id}', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/piles/{id}', { params: { path: { id: c.pile.id } } });
    check(r.data?.sockets.length === 2, 'the new pile has 2 sockets');
    return r;
  } },
  { op: 'GET /api/v1/partner/piles/{id}/charging-sessions', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/piles/{id}/charging-sessions', { params: { path: { id: c.pile.id }, query: { per_page: 10 } } });
    check(r.data?.total === 0 && r.data.items.length === 0, 'a new pile has no charging sessions yet');
    return r;
  } },
  // A remote stop of a session that is not on the firm's piles answers 404, like every other id.
  { op: 'POST /api/v1/partner/charging-sessions/{id}/stop', status: 404, run: (c) =>
    c.firm.POST('/api/v1/partner/charging-sessions/{id}/stop', { params: { path: { id: 999999999 } } }) },
  { op: 'PATCH /api/v1/partner/piles/{id}', status: 200, run: async (c) => {
    const r = await c.firm.PATCH('/api/v1/partner/piles/{id}', { params: { path: { id: c.pile.id } }, body: { location: '3号车棚东侧' } });
    check(r.data?.location === '3号车棚东侧', 'the pile moved');
    return r;
  } },
  { op: 'POST /api/v1/partner/piles/{id}/sockets', status: 201, run: async (c) => {
    const r = await c.firm.POST('/api/v1/partner/piles/{id}/sockets', { params: { path: { id: c.pile.id }, header: key() } });
    if (r.data) c.pile = r.data;
    check(c.pile.sockets.length === 3, 'the pile has 3 sockets');
    return r;
  } },
  // Webhooks: subscribe to every event the document describes.
  { op: 'POST /api/v1/partner/webhooks', status: 201, run: async (c) => {
    const r = await c.firm.POST('/api/v1/partner/webhooks', {
      params: { header: key() },
      body: { url: c.hooks.url, events: await webhookEvents() },
    });
    check(r.data?.secret, 'the new subscription shows its signing secret');
    c.subscription = { id: r.data.id, secret: r.data.secret };
    return r;
  } },
  { op: 'GET /api/v1/partner/webhooks', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/webhooks');
    check(r.data?.items.some((s) => s.id === c.subscription.id), 'the subscription is listed');
    return r;
  } },
  // Sockets: one breaks, then all are back.
  { op: 'POST /api/v1/partner/sockets/{id}/state', status: 200, run: (c) =>
    c.firm.POST('/api/v1/partner/sockets/{id}/state', {
      params: { path: { id: c.pile.sockets[2].id }, header: key() },
      body: { state: 'faulted', reason: '无法充电' },
    }) },
  { op: 'POST /api/v1/partner/sockets/state', status: 200, run: (c) =>
    c.firm.POST('/api/v1/partner/sockets/state', {
      params: { header: key() },
      body: { changes: c.pile.sockets.map((s) => ({ socket_id: s.id, state: 'available' as const })), reason: '已修复' },
    }) },
  // A resident books the new pile; the firm gets the signed webhook and sees the booking.
  { op: 'POST /api/v1/bookings', status: 201, run: async (c) => {
    const r = await c.resident.POST('/api/v1/bookings', {
      params: { header: key() },
      body: { socket_id: c.pile.sockets[0].id, starts_at: slot(90), ends_at: slot(120) },
    });
    if (r.data) c.bookingId = r.data.id;
    return r;
  } },
  { op: 'GET /api/v1/partner/bookings', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/bookings', { params: { query: { socket_id: c.pile.sockets[0].id } } });
    check(r.data?.items.some((b) => b.id === c.bookingId), 'the booking is listed');
    return r;
  } },
  { op: 'GET /api/v1/partner/bookings/{id}', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/bookings/{id}', { params: { path: { id: c.bookingId } } });
    check(r.data?.pile_id === c.pile.id, 'the booking names the pile');
    return r;
  } },
  { op: 'GET /api/v1/partner/webhooks/{id}/deliveries', status: 200, run: async (c) => {
    const created = await eventually('the signed booking.created webhook', () =>
      c.hooks.seen.find((w) => (JSON.parse(w.body) as Schemas['WebhookEvent']).type === 'booking.created'));
    check(c.hooks.seen.every((w) => verified(c.subscription.secret, w)), 'every webhook carries a valid Standard Webhooks signature');
    const r = await c.firm.GET('/api/v1/partner/webhooks/{id}/deliveries', { params: { path: { id: c.subscription.id } } });
    const d = r.data?.items.find((x) => x.event_id === created.headers['webhook-id']);
    check(d, 'the delivery of the received webhook is listed');
    c.deliveryId = d.id;
    return r;
  } },
  { op: 'GET /api/v1/partner/deliveries/{id}', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/deliveries/{id}', { params: { path: { id: c.deliveryId } } });
    check(r.data?.status === 'delivered', `the delivery is delivered: ${r.data?.status}`);
    return r;
  } },
  { op: 'POST /api/v1/partner/deliveries/{id}/replay', status: 202, run: async (c) => {
    const before = c.hooks.seen.length;
    const r = await c.firm.POST('/api/v1/partner/deliveries/{id}/replay', { params: { path: { id: c.deliveryId }, header: key() } });
    const id = r.data?.event_id;
    await eventually('the replayed webhook', () => c.hooks.seen.slice(before).find((w) => w.headers['webhook-id'] === id));
    return r;
  } },
  { op: 'POST /api/v1/partner/maintenance-windows', status: 201, run: async (c) => {
    const r = await c.firm.POST('/api/v1/partner/maintenance-windows', {
      params: { header: key() },
      body: { socket_id: c.pile.sockets[1].id, starts_at: slot(180), ends_at: slot(240), reason: '更换充电模块' },
    });
    if (r.data) c.maintenanceId = r.data.id;
    return r;
  } },
  // A window scheduled by mistake: listed, read, moved an hour later, then withdrawn.
  { op: 'GET /api/v1/partner/maintenance-windows', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/maintenance-windows', { params: { query: { pile_id: c.pile.id, state: 'upcoming' } } });
    check(r.data?.items.some((w) => w.id === c.maintenanceId), 'the window is listed as upcoming');
    return r;
  } },
  { op: 'GET /api/v1/partner/maintenance-windows/{id}', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/maintenance-windows/{id}', { params: { path: { id: c.maintenanceId } } });
    check(r.data?.socket_id === c.pile.sockets[1].id, 'the window is on the second socket');
    return r;
  } },
  { op: 'PATCH /api/v1/partner/maintenance-windows/{id}', status: 200, run: async (c) => {
    const r = await c.firm.PATCH('/api/v1/partner/maintenance-windows/{id}', {
      params: { path: { id: c.maintenanceId } },
      body: { starts_at: slot(240), ends_at: slot(300), reason: '更换充电模块（改期）' },
    });
    check(r.data && Date.parse(r.data.starts_at) === Date.parse(slot(240)), 'the window moved an hour later');
    return r;
  } },
  { op: 'POST /api/v1/partner/maintenance-windows/{id}/cancel', status: 200, run: async (c) => {
    const r = await c.firm.POST('/api/v1/partner/maintenance-windows/{id}/cancel', { params: { path: { id: c.maintenanceId }, header: key() } });
    check(r.data?.state === 'cancelled', `the window is withdrawn: ${r.data?.state}`);
    return r;
  } },
  // The utilisation report, as JSON and as the CSV file; the same rows both ways.
  { op: 'GET /api/v1/partner/reports/utilisation', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/reports/utilisation', { params: { query: reportDays() } });
    check(Array.isArray(r.data), 'the JSON report is a list');
    check(r.data.some((row) => row.pile_id === c.pile.id && row.booked_hours === 0.5), 'the report counts the half hour booked on the new pile');
    c.report = r.data;
    return r;
  } },
  { op: 'GET /api/v1/partner/reports/utilisation', status: 200, run: async (c) => {
    const r = await c.firm.GET('/api/v1/partner/reports/utilisation', { params: { query: { ...reportDays(), format: 'csv' } }, parseAs: 'text' });
    check(r.response.headers.get('content-type')?.startsWith('text/csv'), `the CSV report is text/csv: ${r.response.headers.get('content-type')}`);
    const [header, ...rows] = parseCsv(String(r.data));
    const columns = Object.keys(c.report[0] ?? {});
    check(c.report.length > 0 && header?.join() === columns.join(), `the CSV header is the JSON fields: ${header?.join()} / ${columns.join()}`);
    check(rows.length === c.report.length, `the CSV has the JSON's ${c.report.length} rows: ${rows.length}`);
    rows.forEach((row, i) => {
      const json = columns.map((k) => String((c.report[i] as Record<string, unknown>)[k]));
      check(row.map((v, j) => (typeof c.report[i][columns[j] as keyof Schemas['UtilisationRow']] === 'number' ? String(Number(v)) : v)).join() === json.join(),
        `CSV row ${i + 1} is JSON row ${i + 1}: ${row.join()} / ${json.join()}`);
    });
    return r;
  } },
  { op: 'DELETE /api/v1/partner/webhooks/{id}', status: 204, run: (c) =>
    c.firm.DELETE('/api/v1/partner/webhooks/{id}', { params: { path: { id: c.subscription.id } } }) },
  { op: 'POST /api/v1/partner/piles/{id}/retire', status: 200, run: async (c) => {
    const r = await c.firm.POST('/api/v1/partner/piles/{id}/retire', { params: { path: { id: c.pile.id }, header: key() } });
    check(r.data?.status === 'retired', 'the pile is retired');
    return r;
  } },
  // Staff manage the client: narrower scopes, a new secret, the audit log, and revocation.
  { op: 'PUT /api/v1/partner-clients/{client_id}/scopes', status: 204, run: (c) =>
    c.admin.PUT('/api/v1/partner-clients/{client_id}/scopes', {
      params: { path: { client_id: c.credentials.id } },
      body: { scopes: ['piles:read', 'bookings:read'] },
    }) },
  { op: 'POST /api/v1/partner-clients/{client_id}/rotate', status: 200, run: async (c) => {
    const r = await c.admin.POST('/api/v1/partner-clients/{client_id}/rotate', { params: { path: { client_id: c.credentials.id }, header: key() } });
    check(r.data?.client_secret && r.data.client_secret !== c.credentials.secret, 'a new secret');
    c.credentials.secret = r.data.client_secret;
    return r;
  } },
  { op: 'GET /api/v1/audit-log', status: 200, run: async (c) => {
    const r = await c.admin.GET('/api/v1/audit-log', { params: { query: { partner_id: c.partner.id } } });
    check((r.data?.items.length ?? 0) > 0, 'the firm\'s actions are in the audit log');
    return r;
  } },
  { op: 'POST /api/v1/partner-clients/{client_id}/revoke', status: 204, run: (c) =>
    c.admin.POST('/api/v1/partner-clients/{client_id}/revoke', { params: { path: { client_id: c.credentials.id }, header: key() } }) },
  { op: 'POST /api/v1/partner/token', status: 401, run: (c) =>
    client().POST('/api/v1/partner/token', {
      body: { grant_type: 'client_credentials', client_id: c.credentials.id, client_secret: c.credentials.secret },
    }) },
];

/** The served document (what a firm's generator reads). */
let doc: { paths: Record<string, Record<string, { tags?: string[] }>>; webhooks?: Record<string, unknown> } | undefined;
async function spec() {
  doc ??= (await (await fetch(`${BASE}/api/openapi.json`)).json()) as NonNullable<typeof doc>;
  return doc;
}
async function webhookEvents(): Promise<string[]> {
  return Object.keys((await spec()).webhooks ?? {});
}
async function partnerOperations(): Promise<string[]> {
  const ops: string[] = [];
  for (const [path, item] of Object.entries((await spec()).paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (op.tags?.some((t) => PARTNER_TAGS.includes(t))) ops.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return ops.sort();
}

async function main(): Promise<void> {
  const hooks = await receiver();
  const c = { admin: client(`Bearer ${env('LINLI_STAFF_TOKEN')}`), resident: client(`Bearer ${env('LINLI_RESIDENT_TOKEN')}`), hooks } as Ctx;
  try {
    for (const [i, step] of STEPS.entries()) {
      if (step.op === SKIP) continue;
      const before = called.get(step.op)?.length ?? 0;
      const r = await step.run(c);
      const status = called.get(step.op)?.[before];
      check(status !== undefined, `step ${i + 1} (${step.op}) did not call ${step.op}`);
      check(r.response.status === step.status, `${step.op}: ${r.response.status} instead of ${step.status}: ${JSON.stringify(r.error)}`);
      console.log(`ok ${String(i + 1).padStart(2)} ${step.status} ${step.op}`);
    }
  } finally {
    hooks.close();
  }
  const missed = (await partnerOperations()).filter((op) => !called.has(op));
  check(missed.length === 0, `partner operations this script never called (add a step to partner-client/first-hour.ts for each):\n  ${missed.join('\n  ')}`);
  console.log(`every partner and partner-admin operation of the document was called: ${(await partnerOperations()).length} operations, ${hooks.seen.length} signed webhooks received`);
}

main().catch((e: unknown) => {
  console.error(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

// Where an opening of the mini-program lands. Reading a scanned code is the shared core's
// (core/qr.ts: parseCardQr, parseSocketQr, parseStickerQr), the same as the web app's.
import { parseCardQr, parseStickerQr } from '../../../core/index';

/**
 * Where an opening lands, from the page query WeChat hands over: a mini-program code's path
 * query (`card`, `check_code`, `socket`), or a plain QR's URL in `q` (WeChat's "扫普通链接二维码
 * 打开小程序", URL-encoded). Returns the page URL to go to, or null to stay. A card opens its
 * contents (no login needed; anyone may scan a card), with binding one tap away, never automatic.
 */
export function entryFor(query: Record<string, string | undefined>): string | null {
  const q = query.q ? safeDecode(query.q) : '';
  const socket = query.socket ?? (/[?&]socket=([^&#]+)/.exec(q)?.[1]) ?? parseStickerQr(q)?.code;
  if (socket) return `/pages/bookings/index?socket=${encodeURIComponent(safeDecode(socket))}`;
  const card = query.card && query.check_code ? { card: query.card, code: query.check_code } : q ? parseCardQr(q) : null;
  if (card) return `/pages/card/index?card=${encodeURIComponent(card.card)}&check_code=${encodeURIComponent(card.code)}`;
  const activity = query.activity ?? (/[?&]activity=(\d+)/.exec(q)?.[1]);
  if (activity && /^\d+$/.test(activity)) return `/pages/activity/index?id=${activity}${query.checkin ? `&checkin=${encodeURIComponent(query.checkin)}` : ''}`;
  return null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

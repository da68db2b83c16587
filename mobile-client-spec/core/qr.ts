// What a scanned QR code says, for both clients. The printed codes (the server's print sheets,
// api/src/printing/qr.rs) are URLs under the public base address:
//   a card:   {base}/app/#/lookup/{card_number}/{check_code}
//   a socket: {base}/app/#/socket/{socket_id}?code={socket_code}
// Older and hand-made forms are read too: `…/cards/JC00001?check_code=…`,
// `card_number=…&check_code=…`, and "JC00001 AB12CD" typed or printed as plain text.

/** Card number and check code from a scanned card QR, or null when it is not a card's. */
export function parseCardQr(text: string): { card: string; code: string } | null {
  const url = /cards\/([A-Za-z0-9]+)\?(?:.*&)?check_code=([A-Za-z0-9]+)/.exec(text) ?? /lookup\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)/.exec(text)
    ?? /card(?:_number)?=([A-Za-z0-9]+)&(?:.*&)?check_code=([A-Za-z0-9]+)/.exec(text);
  const plain = url ?? /^\s*([A-Za-z]{1,4}\d{3,})[\s:,-]+([A-Za-z0-9]{4,})\s*$/.exec(text);
  return plain ? { card: plain[1].toUpperCase(), code: plain[2].toUpperCase() } : null;
}

/** The socket code from a pile sticker's QR (`…?code=K7M2Q9PX`) or an activity's check-in QR,
 * or the text itself when it is a bare code. */
export function parseSocketQr(text: string): string {
  return (/[?&](?:code|socket)=([^&#]+)/.exec(text)?.[1] ?? text).trim();
}

/** The socket id and code of a printed sticker URL (`…/app/#/socket/12?code=K7M2Q9PX`). */
export function parseStickerQr(text: string): { socket: number; code: string } | null {
  const m = /#\/socket\/(\d+)\?(?:.*&)?code=([^&#]+)/.exec(text);
  return m ? { socket: Number(m[1]), code: m[2] } : null;
}

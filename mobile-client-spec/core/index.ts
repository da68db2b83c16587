// The framework-free core shared by the web app (web/) and the WeChat mini-program: the typed
// client (timeouts, one token refresh at a time, retries with the same idempotency key), the
// Chinese text of every error code, times with their day and money, the charging slot grid, and
// every other resident-visible text both clients show (texts.ts).
export * from './client';
export * from './errors';
export * from './format';
export * from './grid';
export * from './qr';
export * from './subscribe';
export * from './texts';

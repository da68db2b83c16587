// Which WeChat subscription templates to ask for at a moment of the resident's, and what to send
// back (mobile-client-spec/README.md, "WeChat subscription messages"). The asking itself
// (wx.requestSubscribeMessage, from a tap) is the mini-program's; the web app never asks.
import type { Schemas } from './client';

export type TemplateGrant = Schemas['TemplateGrantView'];
export type SubscribeAnswer = Schemas['SubscribeAnswer'];

/** The moments worth asking at, and the notification kinds each makes useful. */
export const SUBSCRIBE_KINDS = {
  /** Right after 确认预约: the reminder before the slot, and a cancellation for maintenance. */
  booking: ['booking.reminder', 'booking.cancelled'],
  /** Right after joining a charging waitlist: the offer of a freed time. */
  waitlist: ['waitlist.offer'],
  /** Right after signing up to an activity (or its waitlist): promoted from it, cancelled. */
  signup: ['signup.promoted', 'activity.cancelled'],
} as const;
export type SubscribeMoment = keyof typeof SUBSCRIBE_KINDS;

/** WeChat takes at most three template ids per call. */
const MAX_PER_CALL = 3;
const ANSWERS: readonly SubscribeAnswer[] = ['accept', 'reject', 'ban', 'filter'];

/**
 * The template ids to ask for at `moment`: the configured ones (the server lists only those)
 * carrying one of its kinds, with at most one message still allowed; at most three.
 */
export function templatesToAsk(templates: readonly TemplateGrant[], moment: SubscribeMoment): string[] {
  const kinds: readonly string[] = SUBSCRIBE_KINDS[moment];
  return templates
    .filter((t) => t.remaining <= 1 && t.kinds.some((k) => kinds.includes(k)))
    .map((t) => t.template_id)
    .filter((id, i, all) => all.indexOf(id) === i)
    .slice(0, MAX_PER_CALL);
}

/**
 * The body of `POST /me/subscriptions` from what `wx.requestSubscribeMessage` answered
 * (`{errMsg, <template id>: 'accept' | ...}`): the asked ids with an answer, as answered;
 * `null` when there is none to send.
 */
export function subscribeResults(answer: Record<string, unknown>, asked: readonly string[]): { results: Record<string, SubscribeAnswer> } | null {
  const results: Record<string, SubscribeAnswer> = {};
  for (const id of asked) {
    const a = answer[id];
    if (typeof a === 'string' && (ANSWERS as readonly string[]).includes(a)) results[id] = a as SubscribeAnswer;
  }
  return Object.keys(results).length ? { results } : null;
}

// 邻里 resident web app: hash routes, one screen at a time, each drawn through its own View.
// Around every screen: the unread badge on the 消息 tab, the banner of an open waitlist offer
// (countdown, one-tap accept) and the offline banner.
import { api, idempotencyKey, ok, tokens } from './api';
import { bindScreen, calendarScreen, cardScreen, homeScreen, leaveScreen, loginScreen, lookupScreen, notificationsScreen, pointsScreen, profileScreen } from './account';
import { bookingsScreen, chargingScreen } from './charging';
import { activitiesScreen, activityScreen, teamsScreen } from './activities';
import { redemptionsScreen, shopScreen } from './shop';
import { servicesScreen, wishScreen, wishesScreen } from './community';
import { householdScreen } from './household';
import { sessionScreen } from './session';
import { action, at, clock, describe, h, notice, offline } from './ui';
import { countdown } from '../../core/index';
import { openView, type View } from './view';

export type Screen = (view: View, arg?: string) => Promise<void> | void;

/** Every screen by its route; mobile-client-spec/README.md §"Screens" lists them with their calls. */
export const routes: Record<string, Screen> = {
  '': homeScreen,
  login: loginScreen,
  bind: bindScreen,
  card: cardScreen,
  lookup: lookupScreen,
  charging: chargingScreen,
  bookings: bookingsScreen,
  session: sessionScreen,
  activities: activitiesScreen,
  activity: activityScreen,
  teams: teamsScreen,
  profile: profileScreen,
  points: pointsScreen,
  shop: shopScreen,
  redemptions: redemptionsScreen,
  wishes: wishesScreen,
  wish: wishScreen,
  services: servicesScreen,
  notifications: notificationsScreen,
  calendar: calendarScreen,
  leave: leaveScreen,
  household: householdScreen,
};

/** Screens a visitor without login may open (the card lookup, by scanning a card). */
const PUBLIC = new Set(['login', 'lookup']);

async function render(flash: HTMLElement | null = null): Promise<void> {
  const [name = '', arg] = location.hash.replace(/^#\/?/, '').split('/');
  if (!tokens.get() && !PUBLIC.has(name)) {
    location.hash = '#/login';
    return;
  }
  // Opened before anything is awaited: from here on, an older screen's late answer is dropped.
  const view = openView(render, flash);
  const screen = routes[name] ?? homeScreen;
  const tab = ({ '': 'home', activity: 'activities', session: 'bookings' } as Record<string, string>)[name] ?? name;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav.tabs a')) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.querySelector('nav.tabs')?.toggleAttribute('hidden', !tokens.get());
  document.getElementById('screen')?.setAttribute('aria-busy', 'true');
  if (tokens.get()) void chrome();
  try {
    await screen(view, arg);
  } catch (e) {
    view.mount('出错了', notice('error', describe(e)),
      h('button', { type: 'button', class: 'btn primary', onclick: () => void view.reload() }, '重试'),
      h('a', { class: 'btn', href: '#/' }, '回到首页'));
  }
}

let ticker: ReturnType<typeof setInterval> | undefined;

/** The unread badge and the waitlist-offer banner, refreshed on every navigation. */
async function chrome(): Promise<void> {
  const [unread, waitlist] = await Promise.all([
    ok(api.GET('/api/v1/me/notifications', { params: { query: { unread: true, per_page: 1 } } })).catch(() => null),
    ok(api.GET('/api/v1/me/waitlist')).catch(() => null),
  ]);
  const badge = document.getElementById('unread');
  const tab = document.getElementById('tab-notifications');
  if (badge && tab && unread) {
    badge.textContent = String(unread.total);
    badge.hidden = unread.total === 0;
    tab.setAttribute('aria-label', unread.total ? `消息，${unread.total} 条未读` : '消息');
  }
  const banner = document.getElementById('offer');
  if (!banner || !waitlist) return;
  const offer = waitlist.find((w) => w.status === 'offered' && w.offer_expires_at && Date.parse(w.offer_expires_at) > Date.now());
  clearInterval(ticker);
  if (!offer?.offer_expires_at) {
    banner.hidden = true;
    return;
  }
  const expires = offer.offer_expires_at;
  const left = h('strong', { id: 'offer-countdown' }, countdown(expires));
  const key = idempotencyKey();
  const slot = h('div', { class: 'slot' });
  banner.replaceChildren(
    h('span', {}, `候补有空位了：${at(offer.starts_at)}–${clock(offer.ends_at)}。请在 ${at(expires)} 前确认，还剩 `, left),
    action('接受空位', async () => {
      try {
        await ok(api.POST('/api/v1/waitlist/{id}/accept', { params: { path: { id: offer.id }, header: { 'Idempotency-Key': key } } }));
        banner.hidden = true;
        clearInterval(ticker);
        location.hash = '#/bookings';
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (e) {
        slot.replaceChildren(notice('error', describe(e)));
      }
    }, { class: 'btn small', id: 'accept-offer' }),
    slot);
  banner.hidden = false;
  ticker = setInterval(() => {
    left.textContent = countdown(expires);
    if (Date.parse(expires) <= Date.now()) {
      clearInterval(ticker);
      banner.hidden = true;
    }
  }, 1000);
}

window.addEventListener('offline', () => offline(null));
window.addEventListener('online', () => offline(false));
window.addEventListener('hashchange', () => void render());
void render();

// 邻里 resident web app: hash routes, one screen at a time, each drawn through its own View.
import { tokens } from './api';
import { bindScreen, cardScreen, homeScreen, loginScreen, notificationsScreen, pointsScreen } from './account';
import { bookingsScreen, chargingScreen } from './charging';
import { activitiesScreen, activityScreen } from './activities';
import { describe, h, notice } from './ui';
import { openView, type View } from './view';

export type Screen = (view: View, arg?: string) => Promise<void> | void;

const routes: Record<string, Screen> = {
  '': homeScreen,
  login: loginScreen,
  bind: bindScreen,
  card: cardScreen,
  charging: chargingScreen,
  bookings: bookingsScreen,
  activities: activitiesScreen,
  activity: activityScreen,
  points: pointsScreen,
  notifications: notificationsScreen,
};

async function render(flash: HTMLElement | null = null): Promise<void> {
  const [name = '', arg] = location.hash.replace(/^#\/?/, '').split('/');
  if (!tokens.get() && name !== 'login') {
    location.hash = '#/login';
    return;
  }
  // Opened before anything is awaited: from here on, an older screen's late answer is dropped.
  const view = openView(render, flash);
  const screen = routes[name] ?? homeScreen;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav.tabs a')) {
    a.toggleAttribute('aria-current', a.dataset.tab === ({ '': 'home', activity: 'activities' }[name] ?? name));
  }
  document.querySelector('nav.tabs')?.toggleAttribute('hidden', name === 'login');
  document.getElementById('screen')?.setAttribute('aria-busy', 'true');
  try {
    await screen(view, arg);
  } catch (e) {
    view.mount('出错了', notice('error', describe(e)),
      h('button', { type: 'button', class: 'btn primary', onclick: () => void view.reload() }, '重试'),
      h('a', { class: 'btn', href: '#/' }, '回到首页'));
  }
}

window.addEventListener('hashchange', () => void render());
void render();

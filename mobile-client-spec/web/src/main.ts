// 邻里 resident web app: hash routes, one screen at a time.
import { tokens } from './api';
import { bindScreen, cardScreen, homeScreen, loginScreen, notificationsScreen, pointsScreen } from './account';
import { bookingsScreen, chargingScreen } from './charging';
import { activitiesScreen, activityScreen } from './activities';
import { describe, mount, notice } from './ui';

type Screen = (arg?: string) => Promise<void>;

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

async function render(): Promise<void> {
  const [name = '', arg] = location.hash.replace(/^#\/?/, '').split('/');
  const screen = routes[name] ?? homeScreen;
  if (!tokens.get() && name !== 'login') {
    location.hash = '#/login';
    return;
  }
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav.tabs a')) {
    a.toggleAttribute('aria-current', a.dataset.tab === ({ '': 'home', activity: 'activities' }[name] ?? name));
  }
  document.querySelector('nav.tabs')?.toggleAttribute('hidden', name === 'login');
  document.getElementById('screen')?.setAttribute('aria-busy', 'true');
  try {
    await screen(arg);
  } catch (e) {
    mount('出错了', notice('error', describe(e)), '');
  }
}

window.addEventListener('hashchange', () => void render());
void render();

// The screen on show, and the one rule that keeps a slow screen from drawing over a newer one.
//
// Every navigation opens a new View and so supersedes the View before it; a superseded View's
// mount() draws nothing. Screens draw only through their View (nothing else replaces the
// screen's content), so an answer that arrives after the resident moved on is dropped, whichever
// screen asked for it and whether it is data or an error.
import { loading, type Child } from './ui';

export interface View {
  /** False once the resident has moved on (another navigation, or a reload of this screen). */
  readonly current: boolean;
  /** A message to show on this screen, carried over a reload (e.g. "报名成功！"). */
  readonly flash: HTMLElement | null;
  /** Show this title and a spinner while the screen loads (the screen stays `aria-busy`). */
  loading(title: string): void;
  /** Show this title and content, if this View is still current; says whether it drew. */
  mount(title: string, ...content: (Child | Child[])[]): boolean;
  /** Load this screen again (an action changed what it shows), unless the resident moved on. */
  reload(flash?: HTMLElement): Promise<void>;
}

let latest = 0;

/** Open the View of a new navigation; every View opened before stops drawing. */
export function openView(load: (flash: HTMLElement | null) => Promise<void>, flash: HTMLElement | null): View {
  const id = ++latest;
  const isCurrent = () => id === latest;
  return {
    get current() {
      return isCurrent();
    },
    flash,
    loading(title) {
      if (isCurrent()) draw(title, [loading()], true);
    },
    mount(title, ...content) {
      if (!isCurrent()) return false;
      draw(title, content, false);
      return true;
    },
    reload(next) {
      return isCurrent() ? load(next ?? null) : Promise.resolve();
    },
  };
}

function draw(title: string, content: (Child | Child[])[], busy: boolean): void {
  const main = document.getElementById('screen');
  const heading = document.getElementById('title');
  if (!main || !heading) return;
  document.title = `${title} · 邻里`;
  heading.textContent = title;
  main.replaceChildren(...content.flat().filter((c): c is Node | string | number => !!c || c === 0).map((c) => (c instanceof Node ? c : String(c))));
  main.setAttribute('aria-busy', String(busy));
  window.scrollTo(0, 0);
}

// The dashboard: a hash router over a few views. The server serves this bundle and the JSON
// API (docs/web-api.md) from one origin; the session is an HttpOnly cookie and every
// state-changing request carries the CSRF token the login returned.
import { ApiError, get, post, setCsrfToken, setUnauthorisedHandler } from './api';
import { button, clear, h, notice } from './dom';
import { setClinicZone } from './units';
import { loginView } from './views/login';
import { overviewView } from './views/overview';
import { patientView } from './views/patient';
import { calendarView } from './views/calendar';
import { sessionsView, sessionView } from './views/sessions';
import { drugsView } from './views/drugs';
import { implantView } from './views/implant';
import { auditView } from './views/audit';

export interface Me {
  user: string;
  role: 'clinician' | 'staff' | string;
  csrf_token: string;
  time_zone?: string;
}

export interface Context {
  me: Me;
  main: HTMLElement;
  params: string[];
  query: URLSearchParams;
}

type View = (ctx: Context) => Promise<void>;

const routes: [RegExp, View][] = [
  [/^\/?$/, overviewView],
  [/^\/patients\/([^/]+)$/, patientView],
  [/^\/calendar$/, calendarView],
  [/^\/sessions$/, sessionsView],
  [/^\/sessions\/(\d+)$/, sessionView],
  [/^\/drugs$/, drugsView],
  [/^\/implant$/, implantView],
  [/^\/audit$/, auditView],
];

let me: Me | null = null;
const main = document.getElementById('main') as HTMLElement;

function showWho(): void {
  const who = document.getElementById('who')!;
  const nav = document.getElementById('nav')!;
  clear(who);
  nav.hidden = !me;
  if (!me) return;
  who.append(
    h('span', {}, `${me.user} (${me.role})`),
    button('Log out', async () => {
      try {
        await post('/api/logout');
      } finally {
        me = null;
        setCsrfToken('');
        location.hash = '#/login';
        void route();
      }
    }),
  );
}

export function signedIn(who: Me): void {
  me = who;
  setCsrfToken(who.csrf_token);
  setClinicZone(who.time_zone ?? 'UTC');
  showWho();
}

async function whoAmI(): Promise<Me | null> {
  try {
    return await get<Me>('/api/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

// Each route renders into its own container: a slower earlier route that finishes late writes
// into a container no longer on the page, never beside the current one.
let routing = 0;
export async function route(): Promise<void> {
  const mine = ++routing;
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, q] = raw.split('?');
  const query = new URLSearchParams(q ?? '');
  for (const a of document.querySelectorAll('#nav a')) {
    const href = (a as HTMLAnchorElement).getAttribute('href')!.slice(1);
    if (href === path || (href !== '/' && path.startsWith(href))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  if (!me) {
    try {
      const who = await whoAmI();
      if (who) signedIn(who);
    } catch (e) {
      view.append(notice('error', (e as Error).message));
      return;
    }
    if (mine !== routing) return;
  }
  if (!me || path === '/login') {
    if (me && path === '/login') {
      location.hash = '#/';
      return;
    }
    await loginView(view, (who) => {
      signedIn(who);
      const back = query.get('next');
      const target = back ? `#${back}` : '#/';
      if (location.hash === target) void route();
      else location.hash = target; // the hashchange routes
    });
    return;
  }
  for (const [re, render] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    main.setAttribute('aria-busy', 'true');
    try {
      await render({ me, main: view, params: m.slice(1).map(decodeURIComponent), query });
    } catch (e) {
      view.append(notice('error', (e as Error).message));
    } finally {
      if (mine === routing) main.removeAttribute('aria-busy');
    }
    return;
  }
  view.append(h('h1', {}, 'Not found'), h('p', {}, `No page at ${path}. `, h('a', { href: '#/' }, 'Back to the overview')));
}

setUnauthorisedHandler(() => {
  me = null;
  showWho();
  if (!location.hash.startsWith('#/login')) location.hash = '#/login';
});
window.addEventListener('hashchange', () => void route());
void route();

// Session reports: every programming session, who ran it and what it changed.
import { get } from '../api';
import { h, table } from '../dom';
import type { Context } from '../main';
import * as u from '../units';
import type { SessionRow } from '../types';

interface Change {
  at_ms: number;
  kind: string;
  what: string;
}
interface Report {
  session: SessionRow;
  changes: Change[];
  text?: string;
}

export async function sessionsView(ctx: Context): Promise<void> {
  const { main, query } = ctx;
  const mrn = query.get('patient');
  main.append(h('h1', {}, mrn ? `Sessions of ${mrn}` : 'Sessions'));
  const data = await get<{ sessions: SessionRow[] }>(`/api/sessions${mrn ? `?patient=${encodeURIComponent(mrn)}` : ''}`);
  main.append(sessionsTable(data.sessions));
}

export function sessionsTable(sessions: SessionRow[]): HTMLTableElement {
  return table(
    `${sessions.length} session(s), latest first`,
    ['Session', 'Patient', 'Pump', 'By', 'Started', 'Ended', 'Summary'],
    sessions.map((s) =>
      h('tr', {},
        h('td', {}, h('a', { href: `#/sessions/${s.id}` }, `#${s.id}`)),
        h('td', {}, s.mrn ? h('a', { href: `#/patients/${encodeURIComponent(s.mrn)}` }, s.name ?? s.mrn) : '—'),
        h('td', {}, s.serial),
        h('td', {}, s.operator),
        h('td', {}, u.dateTime(s.started_at_ms)),
        h('td', {}, s.ended_at_ms == null ? h('span', { class: 'badge warn' }, 'open') : u.dateTime(s.ended_at_ms)),
        h('td', {}, s.summary))),
  );
}

export async function sessionView(ctx: Context): Promise<void> {
  const { main, params } = ctx;
  const r = await get<Report>(`/api/sessions/${params[0]}`);
  const s = r.session;
  main.append(
    h('h1', {}, `Session #${s.id}`),
    // The report to print and file, as PDF (programmer/documents via the server).
    h('p', {}, h('a', { class: 'button', href: `/api/sessions/${s.id}/report.pdf`, target: '_blank', rel: 'noopener' }, 'Session report (PDF)')),
    h('div', { class: 'card' }, h('dl', {},
      h('dt', {}, 'Patient'), h('dd', {}, h('a', { href: `#/patients/${encodeURIComponent(s.mrn ?? '')}` }, `${s.name} (${s.mrn})`)),
      h('dt', {}, 'Pump'), h('dd', {}, s.serial),
      h('dt', {}, 'By'), h('dd', {}, s.operator),
      h('dt', {}, 'Started'), h('dd', {}, `${u.dateTime(s.started_at_ms)} (${u.zone()})`),
      h('dt', {}, 'Ended'), h('dd', {}, s.ended_at_ms == null ? 'open' : u.dateTime(s.ended_at_ms)),
      h('dt', {}, 'Summary'), h('dd', {}, s.summary || '—'))),
    table('What changed, in order', ['At', 'Kind', 'What'], r.changes.map((c) =>
      h('tr', {}, h('td', {}, u.dateTime(c.at_ms)), h('td', {}, c.kind), h('td', {}, c.what)))),
  );
}

// The audit log (clinicians): every state-changing request, who made it, when, and its outcome.
import { get } from '../api';
import { h, table } from '../dom';
import type { Context } from '../main';
import * as u from '../units';

interface Entry {
  at_ms: number;
  user: string;
  action: string;
  target: string;
  outcome: string;
  detail: string;
}

export async function auditView(ctx: Context): Promise<void> {
  const { main } = ctx;
  main.append(h('h1', {}, 'Audit log'));
  const data = await get<{ entries: Entry[] }>('/api/audit?limit=500');
  main.append(table(`The last ${data.entries.length} recorded actions, newest first (${u.zone()})`, ['When', 'Who', 'Action', 'On', 'Outcome', 'Detail'],
    data.entries.map((e) => h('tr', {},
      h('td', {}, u.dateTime(e.at_ms)), h('td', {}, e.user), h('td', {}, e.action), h('td', {}, e.target || '—'),
      h('td', {}, h('span', { class: `badge ${e.outcome === 'ok' ? 'ok' : e.outcome === 'uncertain' ? 'warn' : 'danger'}` }, e.outcome)),
      h('td', {}, e.detail)))));
}

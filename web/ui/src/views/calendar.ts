// The refill calendar: the same rows as `itdd clinic due`, as a list in risk order and as a
// month grid, each pump on its next refill date.
import { get } from '../api';
import { field, h, table } from '../dom';
import type { Context } from '../main';
import * as u from '../units';

interface DueRow {
  mrn: string;
  name: string;
  serial: string;
  drug: string;
  status: string;
  days_left: number | null;
  next_refill_date: string | null;
  reason: string;
  kind?: string;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function monthGrid(rows: DueRow[], year: number, month: number, today: string): HTMLElement {
  const first = new Date(Date.UTC(year, month, 1));
  const start = new Date(first);
  start.setUTCDate(1 - ((first.getUTCDay() + 6) % 7)); // weeks start on Monday
  const byDate = new Map<string, DueRow[]>();
  for (const r of rows) if (r.next_refill_date) byDate.set(r.next_refill_date, [...(byDate.get(r.next_refill_date) ?? []), r]);
  const grid = h('div', { class: 'calendar', role: 'group', 'aria-label': first.toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }) });
  for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) grid.append(h('div', { class: 'muted', 'aria-hidden': 'true' }, d));
  for (let i = 0; i < 42; i += 1) {
    const day = new Date(start);
    day.setUTCDate(start.getUTCDate() + i);
    const key = isoDay(day);
    const cell = h('div', { class: `day${day.getUTCMonth() !== month ? ' other-month' : ''}${key === today ? ' today' : ''}` },
      h('span', { class: 'date' }, String(day.getUTCDate())));
    for (const r of byDate.get(key) ?? []) {
      cell.append(h('a', { class: `due badge ${r.status === 'overdue' ? 'danger' : 'warn'}`, href: `#/patients/${encodeURIComponent(r.mrn)}` }, `${r.name} · ${r.drug}`));
    }
    grid.append(cell);
  }
  return grid;
}

export async function calendarView(ctx: Context): Promise<void> {
  const { main, query } = ctx;
  const within = Number(query.get('within') ?? '90');
  main.append(h('h1', {}, 'Refill calendar'));
  const sel = field('Due within', 'within', h('select', {}, [30, 90, 180, 365].map((n) => h('option', { value: n, selected: n === within }, `${n} days`))));
  sel.input.addEventListener('change', () => (location.hash = `#/calendar?within=${sel.input.value}`));
  main.append(sel.wrap);
  const data = await get<{ today: string; rows: DueRow[] }>(`/api/due?within_days=${within}`);
  const rows = data.rows.map((r) =>
    h('tr', { 'data-mrn': r.mrn },
      h('td', {}, h('a', { href: `#/patients/${encodeURIComponent(r.mrn)}` }, r.name), h('div', { class: 'muted' }, r.mrn)),
      h('td', {}, r.serial, r.kind === 'gas-fixed-rate' ? h('div', { class: 'badge kind-fixed-rate' }, 'fixed-rate (gas-driven), not programmable') : null),
      h('td', {}, r.drug || '—'),
      h('td', {}, r.status === 'unknown' ? h('span', { class: 'badge warn' }, 'no refill recorded: interrogate') : r.next_refill_date ?? '—'),
      h('td', { class: 'num' }, r.days_left == null ? '—' : r.days_left < 0 ? `overdue ${u.days(-r.days_left)}` : u.days(r.days_left)),
      h('td', {}, r.reason)));
  main.append(table(`Pumps to refill within ${within} days, most at risk first`, ['Patient', 'Pump', 'Drug', 'Next refill', 'Days left', 'Why this date'], rows));
  const today = data.today ?? isoDay(new Date());
  const [y, m] = today.split('-').map(Number);
  main.append(h('h2', {}, 'This month and next'), monthGrid(data.rows, y, m - 1, today), monthGrid(data.rows, m === 12 ? y + 1 : y, m % 12, today));
}

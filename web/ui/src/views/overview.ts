// The clinic overview: every patient and pump on one page, most at risk first (the server's
// order: overdue, unknown reservoir, due soon; withdrawal-risk drugs such as baclofen above
// others; then the earlier date). Filters and a search narrow the list without reordering it.
import { get } from '../api';
import { field, h, table } from '../dom';
import type { Context } from '../main';
import * as u from '../units';
import type { OverviewRow } from '../types';

function riskClass(row: OverviewRow): string {
  if (row.status === 'overdue' || row.risk === 'high') return 'risk-high';
  if (row.status === 'unknown' || row.risk === 'moderate') return 'risk-medium';
  return 'risk-low';
}

function dueText(row: OverviewRow): Node {
  if (row.status === 'unknown' || row.days_left == null) {
    return h('span', { class: 'badge warn' }, 'no refill recorded: interrogate');
  }
  if (row.days_left < 0 || row.status === 'overdue') {
    return h('span', { class: 'badge danger' }, `overdue by ${u.days(-row.days_left)} (${row.next_refill_date})`);
  }
  return h(
    'span',
    { class: row.days_left <= 7 ? 'badge danger' : row.days_left <= 21 ? 'badge warn' : 'badge ok' },
    `in ${u.days(row.days_left)} (${row.next_refill_date})`,
  );
}

function rowOf(row: OverviewRow): HTMLTableRowElement {
  const unit = row.drug_unit || 'mg';
  const flags: Node[] = [];
  for (const reason of row.risk_reasons ?? []) flags.push(h('li', {}, reason));
  // The battery's replacement planning, once it is time to book the surgery.
  if (row.replace_soon && row.replacement) flags.push(h('li', {}, `pump replacement: ${row.replacement}`));
  return h(
    'tr',
    { class: riskClass(row), 'data-mrn': row.mrn, 'data-serial': row.serial, 'data-drug': row.drug ?? '' },
    h('td', {}, h('a', { href: `#/patients/${encodeURIComponent(row.mrn)}` }, row.name), h('div', { class: 'muted' }, `${row.mrn} · ${row.indication}`)),
    h('td', {}, row.serial, h('div', { class: 'muted' }, row.model),
      row.kind === 'gas-fixed-rate' ? h('div', { class: 'badge kind-fixed-rate' }, row.kind_label ?? 'fixed-rate (gas-driven), not programmable') : null),
    h('td', {}, row.drug ? `${row.drug}` : '—', row.concentration_ng_per_ml != null ? h('div', { class: 'muted' }, u.concentration(row.concentration_ng_per_ml, unit)) : null),
    h('td', { class: 'num' }, row.dose_ng_per_day != null ? u.dosePerDay(row.dose_ng_per_day, unit) : '—',
      row.kind === 'gas-fixed-rate' && row.nominal_flow_nl_per_day != null
        ? h('div', { class: 'muted' }, `at ${u.mlPerDay(row.nominal_flow_nl_per_day)} nominal`)
        : null),
    h('td', { class: 'num' }, row.reservoir_estimate_nl != null ? u.ml(row.reservoir_estimate_nl) : '—',
      row.reservoir_capacity_nl ? h('div', { class: 'muted' }, `of ${u.ml(row.reservoir_capacity_nl, 0)}`) : null),
    h('td', {}, dueText(row)),
    h('td', {}, flags.length ? h('ul', { class: 'reasons' }, flags) : h('span', { class: 'muted' }, 'none')),
    h('td', {}, u.date(row.last_session_ms)),
  );
}

export async function overviewView(ctx: Context): Promise<void> {
  const { main } = ctx;
  main.append(h('h1', {}, 'Clinic overview'), h('p', { class: 'muted' }, 'Every patient and pump, most at risk first.'));
  const loading = h('p', { role: 'status' }, 'Loading the clinic…');
  main.append(loading);
  const data = await get<{ rows: OverviewRow[] }>('/api/overview');
  loading.remove();

  const search = field('Search', 'search', h('input', { type: 'search', placeholder: 'name, MRN, serial or drug' }));
  const drugs = [...new Set(data.rows.map((r) => r.drug).filter(Boolean))].sort() as string[];
  const drugSel = field('Drug', 'drug', h('select', {}, h('option', { value: '' }, 'all drugs'), drugs.map((d) => h('option', { value: d }, d))));
  const dueSel = field(
    'Refill',
    'due',
    h('select', {},
      h('option', { value: '' }, 'any time'),
      h('option', { value: 'overdue' }, 'overdue or unknown'),
      h('option', { value: '7' }, 'due within 7 days'),
      h('option', { value: '30' }, 'due within 30 days')),
  );
  const alarmsOnly = h('input', { type: 'checkbox', id: 'alarms-only' });
  const count = h('p', { role: 'status', class: 'muted' });
  const tbody = h('tbody');
  const tableEl = table('Patients and pumps', ['Patient', 'Pump', 'Drug', 'Dose', 'Reservoir', 'Next refill', 'Attention', 'Last session'], []);
  tableEl.replaceChild(tbody, tableEl.tBodies[0]);
  tableEl.id = 'overview-table';

  const rows = data.rows.map((r) => ({ r, tr: rowOf(r), text: [r.name, r.mrn, r.serial, r.drug ?? '', r.model].join(' ').toLowerCase() }));
  const apply = () => {
    const q = search.input.value.trim().toLowerCase();
    const d = drugSel.input.value;
    const due = dueSel.input.value;
    let shown = 0;
    for (const { r, tr, text } of rows) {
      let ok = !q || text.includes(q);
      if (d && r.drug !== d) ok = false;
      if (due === 'overdue' && !(r.status === 'overdue' || r.status === 'unknown')) ok = false;
      if (due && due !== 'overdue' && !(r.days_left != null && r.days_left <= Number(due))) ok = false;
      if (alarmsOnly.checked && !(r.open_alarms && r.open_alarms > 0)) ok = false;
      tr.hidden = !ok;
      if (ok) shown += 1;
    }
    count.textContent = `${shown} of ${rows.length} pumps shown`;
  };
  for (const { tr } of rows) tbody.append(tr);
  for (const f of [search, drugSel, dueSel]) f.input.addEventListener('input', apply);
  alarmsOnly.addEventListener('change', apply);
  main.append(
    h('div', { class: 'filters', role: 'search' }, search.wrap, drugSel.wrap, dueSel.wrap,
      h('div', { class: 'field' }, h('label', { for: 'alarms-only' }, alarmsOnly, ' open alarms only'))),
    count,
    tableEl,
  );
  apply();
}

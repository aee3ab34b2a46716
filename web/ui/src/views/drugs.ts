// The drug library: each drug's concentrations and limits with the source each rests on, or
// the word "unconfirmed" and why, so a clinician sees what a limit is worth.
import { get } from '../api';
import { h, table } from '../dom';
import type { Context } from '../main';

interface Figure {
  value: unknown;
  source?: string;
  unconfirmed?: string;
  level?: string;
}
interface DrugEntry {
  name: string;
  display_name: string;
  unit: string;
  opioid?: boolean;
  withdrawal_risk?: Figure;
  concentrations?: Figure;
  limits?: Record<string, Figure>;
  titration?: Record<string, Figure>;
  stability?: Record<string, Figure>;
  max_refill_interval_days?: Figure;
}

function unitOf(key: string, drugUnit: string): string {
  if (key.includes('concentration')) return `${drugUnit}/mL`;
  if (key.includes('days')) return 'days';
  if (key.includes('hours') || key.includes('interval_h')) return 'h';
  if (key.includes('percent')) return '%';
  if (key.includes('bolus')) return drugUnit;
  return `${drugUnit}/day`;
}

function figureRow(what: string, fig: Figure, unit: string): HTMLTableRowElement {
  const value = Array.isArray(fig.value) ? fig.value.join(', ') : String(fig.value);
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, what),
    h('td', { class: 'num' }, `${value}${unit ? ` ${unit}` : ''}`),
    h('td', {}, fig.level ?? ''),
    h('td', {}, fig.source ? fig.source : h('span', { class: 'badge warn' }, `unconfirmed: ${fig.unconfirmed ?? ''}`)),
  );
}

// A figure, or an object of figures by level ({"hard": {...}, "soft": {...}}): one row each.
function figureRows(key: string, fig: Figure | Record<string, Figure>, drugUnit: string): HTMLTableRowElement[] {
  const name = key.replace(/_/g, ' ');
  const unit = drugUnit === 'days' ? 'days' : unitOf(key, drugUnit);
  if ('value' in fig) {
    const f = fig as Figure;
    const level = f.level ?? (key.includes('hard') ? 'hard' : key.includes('soft') ? 'soft' : '');
    return [figureRow(name, { ...f, level }, unit)];
  }
  return Object.entries(fig as Record<string, Figure>).map(([level, f]) => figureRow(name, { ...f, level: f.level ?? level }, unit));
}

export async function drugsView(ctx: Context): Promise<void> {
  const { main } = ctx;
  const lib = await get<{ drugs: DrugEntry[]; refill_safety_margin_days?: Figure }>('/api/drugs');
  main.append(
    h('h1', {}, 'Drug library'),
    h('p', { class: 'muted' }, 'Hard limits block a program; a soft limit needs the clinician\'s reason. Each figure names its source.'),
  );
  if (lib.refill_safety_margin_days) {
    main.append(table('Refills', ['What', 'Value', 'Level', 'Source'], [figureRow('safety margin before the low-reservoir date', lib.refill_safety_margin_days, 'days')]));
  }
  for (const d of lib.drugs) {
    const rows: HTMLTableRowElement[] = [];
    if (d.concentrations) rows.push(figureRow('concentrations', d.concentrations, `${d.unit}/mL`));
    if (d.withdrawal_risk) rows.push(figureRow('withdrawal risk', d.withdrawal_risk, ''));
    for (const [k, f] of Object.entries(d.limits ?? {})) rows.push(...figureRows(k, f, d.unit));
    for (const [k, f] of Object.entries(d.titration ?? {})) rows.push(...figureRows(`titration: ${k}`, f, d.unit));
    for (const [k, f] of Object.entries(d.stability ?? {})) rows.push(...figureRows(`stability: ${k}`, f, 'days'));
    if (d.max_refill_interval_days) rows.push(figureRow('longest refill interval', d.max_refill_interval_days, 'days'));
    const t = table(`${d.display_name} (${d.unit})`, ['Limit', 'Value', 'Level', 'Source'], rows);
    t.setAttribute('data-drug', d.name);
    main.append(h('h2', {}, d.display_name), t);
  }
}

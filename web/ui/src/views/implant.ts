// A connected implant: interrogate, program, refill, prime and a clinician bolus, each through
// review and an explicit confirmation (actions.ts). Doses are typed in the drug's unit; the
// server reads them with the command line's decimal reader and checks them with the same code.
import { get, post } from '../api';
import { busy, outcomeView, reasonField, showError, twoStep, type Outcome } from '../actions';
import { clear, field, h, notice, type Field } from '../dom';
import type { Context } from '../main';
import * as u from '../units';

interface DrugInfo {
  name: string;
  display_name: string;
  unit: string;
  concentrations?: { value: number[] };
}
interface Row {
  label: string;
  text: string;
}
interface ProgramReview {
  review_token: string;
  old: Row[];
  new: Row[];
  rate_text: string;
  dose_check: { verdict: string; findings: { level: string; field: string; message: string }[] };
  needs_override_reason: boolean;
}
interface RefillReview {
  review_token: string;
  expected_nl: number;
  withdrawn_nl: number;
  difference_nl: number;
  finding: string;
  needs_acknowledgement: boolean;
  bridge: { needed: boolean; text: string };
  next_refill_date: string;
  next_refill_rule: string;
  text?: string;
}
interface SimpleReview {
  review_token: string;
  text?: string;
  rows?: Row[];
  old?: Row[];
  new?: Row[];
  dose_check?: ProgramReview['dose_check'];
  needs_override_reason?: boolean;
}

const text = (attrs: Record<string, string> = {}) => h('input', { type: 'text', inputmode: 'decimal', size: 10, ...attrs });

function required(f: Field, what: string): string | null {
  const v = f.input.value.trim();
  if (!v) {
    f.setError(`Type ${what}.`);
    return null;
  }
  return v;
}

function decimal(f: Field, what: string, unit: string): string | null {
  const v = required(f, what);
  if (v === null) return null;
  if (u.parseDecimal(v) === null) {
    f.setError(`${v} is not a number: type ${what} in ${unit} with digits and at most one point, such as 2.5.`);
    return null;
  }
  return v;
}

function sideBySide(oldRows: Row[], newRows: Row[]): HTMLElement {
  const oldBy = new Map(oldRows.map((r) => [r.label, r.text]));
  const list = (rows: Row[], compare?: Map<string, string>) =>
    h('table', {}, h('tbody', {}, rows.map((r) =>
      h('tr', { class: compare && compare.get(r.label) !== r.text ? 'changed' : '' }, h('th', { scope: 'row' }, r.label), h('td', {}, r.text)))));
  return h('div', { class: 'side-by-side' },
    h('section', { 'aria-label': 'Old (in the implant now)' }, h('h4', {}, 'Old: in the implant now'), list(oldRows)),
    h('section', { 'aria-label': 'New (to send)' }, h('h4', {}, 'New: to send'), list(newRows, oldBy)));
}

function verdictView(check: ProgramReview['dose_check'] | undefined): HTMLElement | null {
  if (!check) return null;
  const kind = check.verdict === 'ok' ? 'ok' : check.verdict === 'soft' ? 'warn' : 'error';
  return notice(kind, h('strong', {}, `Drug library: ${check.verdict === 'ok' ? 'within the limits' : check.verdict === 'soft' ? 'above a soft limit' : 'blocked'}`),
    check.findings.length ? h('ul', {}, check.findings.map((f) => h('li', {}, f.message))) : null);
}

function overrideStep(into: HTMLElement, needed: boolean): () => Record<string, unknown> | null {
  if (!needed) return () => ({});
  const reason = reasonField('Reason for going above the soft limit', 'override_reason', 'Recorded with your name in the session report.');
  into.append(reason.wrap);
  return () => {
    const r = reason.input.value.trim();
    if (!r) {
      reason.setError('Give the reason for the override: the drug library needs one above its soft limit.');
      return null;
    }
    return { override_reason: r };
  };
}

export async function implantView(ctx: Context): Promise<void> {
  const { main, query, me } = ctx;
  const allowed = me.role === 'clinician';
  const lib = await get<{ drugs: DrugInfo[] }>('/api/drugs');
  const unitOf = (drug: string) => lib.drugs.find((d) => d.name === drug)?.unit ?? '';

  main.append(h('h1', {}, 'Connected implant'));
  if (!allowed) {
    main.append(notice('warn', `Your role (${me.role}) may view and interrogate, but not program, refill, prime or give a bolus: ask a clinician.`));
  }
  const serial = field('Pump serial', 'serial', h('input', { type: 'text', value: query.get('serial') ?? '', size: 14 }));
  const implant = field('Implant address', 'implant', h('input', { type: 'text', value: query.get('implant') ?? sessionStorage.getItem('itdd-implant') ?? '', placeholder: '127.0.0.1:7000', size: 20 }),
    undefined, 'host:port of the implant (a virtual implant: `itdd implant serve`)');
  const statusArea = h('div', { id: 'implant-status', 'aria-live': 'polite' });
  const target = (): { serial: string; implant: string } | null => {
    serial.setError(null);
    implant.setError(null);
    const s = required(serial, 'the pump\'s serial');
    const i = required(implant, 'the implant\'s address (host:port)');
    if (!s || !i) return null;
    sessionStorage.setItem('itdd-implant', i);
    return { serial: s, implant: i };
  };
  const interrogate = async () => {
    clear(statusArea);
    const t = target();
    if (!t) return;
    const wait = busy('Interrogating the implant…');
    statusArea.append(wait);
    try {
      const o = await post<Outcome & { status?: Record<string, unknown> }>('/api/implant/interrogate', t);
      wait.remove();
      statusArea.append(h('h2', {}, 'Status read from the implant'));
      if (o.outcome !== 'done') statusArea.append(outcomeView(o, () => void interrogate()));
      else {
        statusArea.append(statusCard(o.status ?? {}), o.text ? h('pre', {}, o.text) : '');
        prefill(o.status ?? {});
      }
    } catch (e) {
      wait.remove();
      showError(e, [serial, implant], statusArea);
    }
  };
  const connect = h('form', { novalidate: true, class: 'filters', 'aria-label': 'Which implant' }, serial.wrap, implant.wrap,
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Interrogate')));
  connect.addEventListener('submit', (e) => { e.preventDefault(); void interrogate(); });
  main.append(connect, statusArea);
  const actions = h('div', { class: 'implant-actions' });
  main.append(actions);
  // What the implant holds fills the forms' drug and concentration (the clinician may change them).
  const prefill = (status: Record<string, unknown>) => {
    const drug = typeof status.drug === 'string' ? status.drug : '';
    const conc = typeof status.concentration_ng_per_ml === 'number' ? status.concentration_ng_per_ml : null;
    if (!drug || !unitOf(drug)) return;
    for (const [d, c] of [[pDrug, pConc], [rDrug, rConc], [bDrug, null]] as [Field, Field | null][]) {
      if (d.input.value) continue;
      d.input.value = drug;
      d.input.dispatchEvent(new Event('change'));
      if (c && conc != null && !c.input.value) c.input.value = u.trim(conc / u.ngPer(unitOf(drug)), 3);
    }
  };
  const again = () => { window.scrollTo(0, 0); void interrogate(); };

  // ---- program ----
  const drugSelect = () => h('select', {}, h('option', { value: '' }, 'choose…'), lib.drugs.map((d) => h('option', { value: d.name }, `${d.display_name} (${d.unit})`)));
  const pDrug = field('Drug', 'drug', drugSelect());
  const pConc = field('Concentration', 'concentration', text(), '—/mL');
  const pMode = field('Mode', 'mode', h('select', {}, h('option', { value: 'continuous' }, 'continuous'), h('option', { value: 'stop' }, 'stop (no delivery)')));
  const pDose = field('Dose per day', 'dose', text(), '—/day', 'Typed in the drug\'s unit; the rate is shown at review.');
  const unitSpans = (f: Field) => f.wrap.querySelector('.unit') as HTMLElement;
  pDrug.input.addEventListener('change', () => {
    const unit = unitOf(pDrug.input.value) || '—';
    unitSpans(pConc).textContent = `${unit}/mL`;
    unitSpans(pDose).textContent = `${unit}/day`;
  });
  actions.append(twoStep<ProgramReview>({
    title: 'Program', name: 'program', allowed, interrogate: again, target,
    fields: [pDrug, pConc, pMode, pDose], confirmLabel: 'Send the new program',
    body: () => {
      const drug = required(pDrug, 'the drug');
      const unit = unitOf(pDrug.input.value);
      const conc = decimal(pConc, 'the concentration', `${unit}/mL`);
      const dose = pMode.input.value === 'stop' ? '0' : decimal(pDose, 'the dose per day', `${unit}/day`);
      if (!drug || !conc || dose === null) return null;
      return { drug, concentration: conc, unit, mode: pMode.input.value, dose };
    },
    showReview: (r, into) => {
      into.append(sideBySide(r.old, r.new), h('p', {}, h('strong', {}, 'Rate: '), r.rate_text), verdictView(r.dose_check) ?? '');
      return overrideStep(into, r.needs_override_reason);
    },
  }));

  // ---- refill ----
  const rWithdrawn = field('Withdrawn from the reservoir', 'withdrawn_ml', text(), 'mL', 'What you withdrew before filling: compared with what the implant expected.');
  const rDrug = field('Drug', 'drug', drugSelect());
  const rConc = field('Concentration', 'concentration', text(), '—/mL');
  const rVolume = field('Volume filled', 'volume_ml', text(), 'mL');
  const rLow = field('Low-reservoir alarm at', 'low_alarm_ml', text({ value: '2' }), 'mL');
  rDrug.input.addEventListener('change', () => (unitSpans(rConc).textContent = `${unitOf(rDrug.input.value) || '—'}/mL`));
  actions.append(twoStep<RefillReview>({
    title: 'Refill', name: 'refill', allowed, interrogate: again, target,
    fields: [rWithdrawn, rDrug, rConc, rVolume, rLow], confirmLabel: 'Record the refill',
    body: () => {
      const unit = unitOf(rDrug.input.value);
      const withdrawn = decimal(rWithdrawn, 'the volume withdrawn', 'mL');
      const drug = required(rDrug, 'the drug');
      const conc = decimal(rConc, 'the concentration', `${unit}/mL`);
      const volume = decimal(rVolume, 'the volume filled', 'mL');
      const low = decimal(rLow, 'the low-reservoir alarm volume', 'mL');
      if (!withdrawn || !drug || !conc || !volume || !low) return null;
      return { withdrawn_ml: withdrawn, drug, concentration: conc, unit, volume_ml: volume, low_alarm_ml: low };
    },
    showReview: (r, into) => {
      const off = r.finding !== 'as-expected';
      into.append(
        h('table', {}, h('tbody', {},
          h('tr', {}, h('th', { scope: 'row' }, 'Expected in the reservoir'), h('td', { class: 'num' }, u.ml(r.expected_nl, 3))),
          h('tr', {}, h('th', { scope: 'row' }, 'Withdrawn'), h('td', { class: 'num' }, u.ml(r.withdrawn_nl, 3))),
          h('tr', {}, h('th', { scope: 'row' }, 'Difference'), h('td', { class: 'num' }, u.ml(r.difference_nl, 3))),
          h('tr', {}, h('th', { scope: 'row' }, 'Next refill'), h('td', {}, `${r.next_refill_date} (${r.next_refill_rule})`)))),
        notice(off ? 'error' : 'ok', h('strong', {}, off ? `Discrepancy: ${r.finding}. ` : 'As expected. '), r.text ?? ''),
      );
      let ack: Field | null = null;
      if (r.needs_acknowledgement) {
        ack = reasonField('Acknowledge the discrepancy: what you found and did', 'acknowledge',
          'Required: the refill is stopped until you say why it may go on (e.g. checked for a pocket fill, aspirated again).');
        into.append(ack.wrap);
      }
      let bridge: Field | null = null;
      if (r.bridge.needed) {
        into.append(notice('warn', r.bridge.text));
        bridge = field('Bridge bolus', 'bridge', h('select', {}, h('option', { value: '' }, 'choose…'), h('option', { value: 'yes' }, 'yes: give the bridge bolus'), h('option', { value: 'no' }, 'no bridge bolus')));
        into.append(bridge.wrap);
      }
      return () => {
        const more: Record<string, unknown> = {};
        if (ack) {
          const reason = ack.input.value.trim();
          if (!reason) {
            ack.setError('Acknowledge the discrepancy with a reason before the refill goes on.');
            return null;
          }
          more.acknowledge = reason;
        }
        if (bridge) {
          if (!bridge.input.value) {
            bridge.setError('Choose whether to give the bridge bolus.');
            return null;
          }
          more.bridge = bridge.input.value;
        }
        return more;
      };
    },
  }));

  // ---- prime ----
  const cVol = field('Catheter volume', 'catheter_volume_ml', text(), 'mL');
  actions.append(twoStep<SimpleReview>({
    title: 'Prime the catheter', name: 'prime', allowed, interrogate: again, target, fields: [cVol], confirmLabel: 'Prime',
    body: () => {
      const v = decimal(cVol, 'the catheter volume', 'mL');
      return v ? { catheter_volume_ml: v } : null;
    },
    showReview: (r, into) => {
      if (r.rows) into.append(h('table', {}, h('tbody', {}, r.rows.map((x) => h('tr', {}, h('th', { scope: 'row' }, x.label), h('td', {}, x.text))))));
      if (r.text) into.append(h('pre', {}, r.text));
      return () => ({});
    },
  }));

  // ---- clinician bolus ----
  const bDrug = field('Drug', 'drug', drugSelect());
  const bDose = field('Bolus dose', 'dose', text(), '—');
  const bDuration = field('Over', 'duration', h('input', { type: 'text', value: '30m', size: 6 }), undefined, 'A duration such as 30m or 2h.');
  bDrug.input.addEventListener('change', () => (unitSpans(bDose).textContent = unitOf(bDrug.input.value) || '—'));
  actions.append(twoStep<SimpleReview>({
    title: 'Clinician bolus', name: 'bolus', allowed, interrogate: again, target, fields: [bDrug, bDose, bDuration], confirmLabel: 'Give the bolus',
    body: () => {
      const drug = required(bDrug, 'the drug');
      const unit = unitOf(bDrug.input.value);
      const dose = decimal(bDose, 'the bolus dose', unit);
      const duration = required(bDuration, 'how long the bolus lasts (30m, 2h)');
      if (!drug || !dose || !duration) return null;
      return { drug, dose, unit, duration };
    },
    showReview: (r, into) => {
      if (r.old && r.new) into.append(sideBySide(r.old, r.new));
      if (r.rows) into.append(h('table', {}, h('tbody', {}, r.rows.map((x) => h('tr', {}, h('th', { scope: 'row' }, x.label), h('td', {}, x.text))))));
      if (r.text) into.append(h('pre', {}, r.text));
      into.append(verdictView(r.dose_check) ?? '');
      return overrideStep(into, !!r.needs_override_reason);
    },
  }));
}

function statusCard(status: Record<string, unknown>): HTMLElement {
  const unit = String(status.drug_unit ?? 'mg');
  const rows: [string, string][] = [];
  const num = (k: string) => (typeof status[k] === 'number' ? (status[k] as number) : null);
  if (status.drug) rows.push(['Drug', String(status.drug)]);
  if (num('concentration_ng_per_ml') != null) rows.push(['Concentration', u.concentration(num('concentration_ng_per_ml')!, unit)]);
  if (num('reservoir_nl') != null) rows.push(['Reservoir', u.ml(num('reservoir_nl')!, 3)]);
  if (num('low_reservoir_alarm_nl') != null) rows.push(['Low-reservoir alarm at', u.ml(num('low_reservoir_alarm_nl')!, 2)]);
  for (const [k, v] of Object.entries(status)) {
    if (['drug', 'drug_unit', 'concentration_ng_per_ml', 'reservoir_nl', 'low_reservoir_alarm_nl'].includes(k)) continue;
    if (v === null || typeof v === 'object') continue;
    rows.push([k.replace(/_/g, ' '), String(v)]);
  }
  return h('div', { class: 'card', 'data-status': 'implant' }, h('dl', {}, rows.flatMap(([a, b]) => [h("dt", {}, a), h("dd", {}, b)])));
}

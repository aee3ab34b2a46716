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
// A review row as the server sends it: what the implant holds now and what would be sent.
interface ChangeRow {
  item: string;
  before: string;
  after: string;
  changed: boolean;
}
interface DoseCheck {
  verdict: string; // "within" | "needs override" | "blocked" (or ok | soft | hard)
  verdict_text?: string;
  findings: { level: string; field: string; message: string }[];
}
interface ProgramReview {
  review_token?: string;
  review?: ChangeRow[];
  old?: Row[];
  new?: Row[];
  rate_text?: string;
  dose_check?: DoseCheck;
  needs_override_reason?: boolean;
  accepted?: boolean;
  message?: string;
}
interface RefillReview {
  review_token?: string;
  kind?: string;
  expected_nl?: number;
  withdrawn_nl?: number;
  difference_nl?: number;
  finding?: string;
  withdrawal_text?: string;
  notes?: string[];
  warnings?: string[];
  needs_acknowledgement?: boolean;
  bridge?: { needed: boolean; text: string } | boolean | string;
  next_refill_date?: string;
  next_refill_rule?: string;
  text?: string;
}
// A priming's or a clinician bolus's review: what the implant does now beside what it will do.
interface SimpleReview {
  review_token?: string;
  review?: ChangeRow[];
  text?: string;
  dose_check?: DoseCheck;
  accepted?: boolean;
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

// Old and new side by side, the changed rows marked.
function changeTable(rows: ChangeRow[]): HTMLElement {
  return h('table', { class: 'side-by-side-table' },
    h('caption', {}, 'Old (in the implant now) and new (to send), side by side'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'Old: in the implant now'), h('th', { scope: 'col' }, 'New: to send'))),
    h('tbody', {}, rows.map((r) => h('tr', { class: r.changed ? 'changed' : '' },
      h('th', { scope: 'row' }, r.changed ? `* ${r.item}` : r.item), h('td', {}, r.before), h('td', {}, r.after)))));
}

function changesView(r: { review?: ChangeRow[]; old?: Row[]; new?: Row[] }): HTMLElement | null {
  if (r.review) return h('div', { class: 'side-by-side single' }, changeTable(r.review));
  if (r.old && r.new) return sideBySide(r.old, r.new);
  return null;
}

function verdictView(check: DoseCheck | undefined): HTMLElement | null {
  if (!check) return null;
  const ok = check.verdict === 'ok' || check.verdict === 'within';
  const soft = check.verdict === 'soft' || check.verdict === 'needs override';
  return notice(ok ? 'ok' : soft ? 'warn' : 'error',
    h('strong', {}, `Drug library: ${ok ? 'within the limits' : soft ? 'above a soft limit: a reason is needed' : 'blocked'}`),
    check.verdict_text ? h('p', {}, check.verdict_text) : null,
    check.findings.length ? h('ul', {}, check.findings.map((f) => h('li', {}, f.message))) : null);
}

// The contract's flow asks for the override reason with the confirmation; the server's asks for
// it at review (`accepted` false until given, then the reviewed token carries it).
function overrideStep(into: HTMLElement, needed: boolean, acceptedAtReview?: boolean): () => Record<string, unknown> | null {
  if (!needed || acceptedAtReview !== undefined) return () => ({});
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
    const st = status as ImplantStatus;
    const drug = st.prescription?.drug ?? st.reservoir?.drug ?? '';
    const conc = st.prescription?.concentration_ng_per_ml ?? null;
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
    askable: { override_reason: () => reasonField('Reason for going above the soft limit', 'override_reason', 'Recorded with your name in the session report.') },
    showRefused: (body, into) => {
      const r = body as ProgramReview;
      into.append(verdictView(r.dose_check) ?? '', changesView(r) ?? '');
    },
    showReview: (r, into) => {
      into.append(changesView(r) ?? '', r.rate_text ? h('p', {}, h('strong', {}, 'Rate: '), r.rate_text) : '', verdictView(r.dose_check) ?? '');
      return overrideStep(into, !!r.needs_override_reason, r.accepted);
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
    askable: {
      acknowledge: () => reasonField('Acknowledge the discrepancy: what you found and did', 'acknowledge',
        'Required: the refill is stopped until you say why it may go on (e.g. checked for a pocket fill, aspirated again).'),
      bridge: () => field('Bridge bolus', 'bridge', h('select', {}, h('option', { value: '' }, 'choose…'), h('option', { value: 'yes' }, 'yes: give the bridge bolus'), h('option', { value: 'no' }, 'no bridge bolus'))),
    },
    showReview: (r, into) => {
      const rows: [string, string][] = [];
      if (r.kind) rows.push(['Refill', r.kind]);
      if (r.expected_nl != null) rows.push(['Expected in the reservoir', u.ml(r.expected_nl, 3)]);
      if (r.withdrawn_nl != null) rows.push(['Withdrawn', u.ml(r.withdrawn_nl, 3)]);
      if (r.difference_nl != null) rows.push(['Difference', u.ml(r.difference_nl, 3)]);
      if (r.next_refill_date) rows.push(['Next refill', `${r.next_refill_date}${r.next_refill_rule ? ` (${r.next_refill_rule})` : ''}`]);
      into.append(h('table', {}, h('tbody', {}, rows.map(([a, b]) => h('tr', {}, h('th', { scope: 'row' }, a), h('td', { class: 'num' }, b))))));
      if (r.finding) {
        const off = r.finding !== 'as-expected';
        into.append(notice(off ? 'error' : 'ok', h('strong', {}, off ? `Discrepancy: ${r.finding}. ` : 'As expected. '), r.withdrawal_text ?? r.text ?? ''));
      }
      for (const w of r.warnings ?? []) into.append(notice('warn', w));
      if (r.notes?.length) into.append(h('ul', {}, r.notes.map((n) => h('li', {}, n))));
      let ack: Field | null = null;
      if (r.needs_acknowledgement) {
        ack = reasonField('Acknowledge the discrepancy: what you found and did', 'acknowledge',
          'Required: the refill is stopped until you say why it may go on (e.g. checked for a pocket fill, aspirated again).');
        into.append(ack.wrap);
      }
      let bridge: Field | null = null;
      if (typeof r.bridge === 'object' && r.bridge?.needed) {
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
      into.append(changesView(r) ?? '',
        notice('info', 'Priming pushes the drug through the pump and the catheter at the priming rate; the basal program pauses until it ends.'));
      return () => ({});
    },
    showOutcome: recordedAs,
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
    askable: { override_reason: () => reasonField('Reason for going above the soft limit', 'override_reason', 'Recorded with your name in the session report.') },
    showRefused: (body, into) => {
      const r = body as SimpleReview;
      into.append(verdictView(r.dose_check) ?? '', changesView(r) ?? '');
    },
    showReview: (r, into) => {
      into.append(changesView(r) ?? '', verdictView(r.dose_check) ?? '');
      if (r.text) into.append(h('details', {}, h('summary', {}, 'The review in words'), h('pre', {}, r.text)));
      return overrideStep(into, !!r.needs_override_reason, r.accepted);
    },
    showOutcome: recordedAs,
  }));
}

// What the clinic database recorded of a priming or a bolus.
function recordedAs(o: Outcome, into: HTMLElement): void {
  if (typeof o.what === 'string' && o.what) into.append(h('p', {}, h('strong', {}, 'Recorded: '), o.what));
}

// What the implant reported, the figures with their units (the status of `itdd programmer
// interrogate --json`).
interface ImplantStatus {
  activity?: string;
  alarms?: ({ name?: string; text?: string } | string)[];
  battery?: { eri?: string; remaining_percent?: number; status?: string };
  clock?: { wall?: string };
  clock_check?: { warning?: string | null } | null;
  current_flow_ml_per_day?: number;
  prescription?: { drug?: string; mode?: string; concentration_ng_per_ml?: number; dose_ng_per_day?: number } | null;
  reservoir?: { drug?: string; remaining_nl?: number; capacity_nl?: number; low_threshold_ml?: number; projected_low?: string | null; concentration?: { value: number; unit: string } };
  prescription_token?: string;
}

function statusCard(raw: Record<string, unknown>): HTMLElement {
  const st = raw as ImplantStatus;
  const drug = st.prescription?.drug ?? st.reservoir?.drug ?? '';
  const unit = st.reservoir?.concentration?.unit?.replace('/mL', '') ?? 'mg';
  const rows: [string, string][] = [];
  if (st.activity) rows.push(['Activity', st.activity]);
  if (drug) rows.push(['Drug', drug]);
  if (st.reservoir?.concentration) rows.push(['Concentration', `${u.trim(st.reservoir.concentration.value, 3)} ${st.reservoir.concentration.unit}`]);
  if (st.prescription?.dose_ng_per_day != null) rows.push(['Dose', `${st.prescription.mode ?? ''} ${u.dosePerDay(st.prescription.dose_ng_per_day, unit)}`.trim()]);
  if (st.current_flow_ml_per_day != null) rows.push(['Flow now', `${u.trim(st.current_flow_ml_per_day, 4)} mL/day`]);
  if (st.reservoir?.remaining_nl != null) rows.push(['Reservoir', `${u.ml(st.reservoir.remaining_nl, 3)}${st.reservoir.capacity_nl ? ` of ${u.ml(st.reservoir.capacity_nl, 0)}` : ''}`]);
  if (st.reservoir?.low_threshold_ml != null) rows.push(['Low-reservoir alarm at', `${u.trim(st.reservoir.low_threshold_ml, 2)} mL`]);
  if (st.reservoir?.projected_low) rows.push(['Projected low', `${st.reservoir.projected_low} (the implant's clock)`]);
  if (st.battery) rows.push(['Battery', `${st.battery.status ?? ''}${st.battery.remaining_percent != null ? `, ${st.battery.remaining_percent} %` : ''}${st.battery.eri ? `, ERI ${st.battery.eri}` : ''}`]);
  if (st.clock?.wall) rows.push(["Implant's clock", st.clock.wall]);
  rows.push(['Open alarms', st.alarms?.length ? st.alarms.map((a) => (typeof a === 'string' ? a : a.text ?? a.name ?? '?')).join('; ') : 'none']);
  return h('div', { class: 'card', 'data-status': 'implant' },
    h('dl', {}, rows.flatMap(([a, b]) => [h('dt', {}, a), h('dd', {}, b)])),
    st.clock_check?.warning ? notice('warn', st.clock_check.warning) : null);
}

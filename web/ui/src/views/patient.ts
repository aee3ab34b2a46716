// A patient's page: the pumps with drug, concentration and prescription in the drug's units, and
// each pump's history as plots on one shared, zoomable time axis.
import { get } from '../api';
import { h, table } from '../dom';
import type { Context } from '../main';
import { PlotGroup, timePlot, type Marker } from '../plots';
import * as series from '../series';
import type { PatientPage, PumpCard, PumpSeries } from '../types';
import * as u from '../units';
import { sessionsTable } from './sessions';
import { uploadForm } from '../upload';

let currentGroup: PlotGroup | null = null;

// A fixed-rate (gas-driven) pump: its drug, concentration, nominal flow and the dose they give;
// no program, no implant to connect to, no alarm. Its dose changes only at a refill.
function fixedRateCard(p: PumpCard): HTMLElement {
  const unit = p.drug_unit ?? 'mg';
  const dd = (label: string, value: Node | string) => [h('dt', {}, label), h('dd', {}, value)];
  const tolerance = `${u.trim((p.flow_tolerance_permille ?? 0) / 10, 1)} %`;
  const due = p.next_refill_date
    ? `${p.next_refill_date}${p.days_left != null ? ` (${p.days_left < 0 ? `overdue by ${u.days(-p.days_left)}` : `in ${u.days(p.days_left)}`})` : ''}`
    : '—';
  return h('section', { class: 'card fixed-rate', 'aria-label': `Pump ${p.serial}`, 'data-serial': p.serial, 'data-kind': 'gas-fixed-rate' },
    h('h2', {}, `Pump ${p.serial}`, p.active ? '' : ' (explanted)'),
    h('p', { class: 'badge kind-fixed-rate' }, p.kind_label ?? 'fixed-rate (gas-driven), not programmable'),
    h('dl', {},
      dd('Model', p.model),
      dd('Implanted', p.implant_date),
      dd('Catheter', `${u.trim(p.catheter_length_mm / 10, 1)} cm, ${u.ml(p.catheter_volume_nl, 3)}`),
      dd('Drug', p.drug ?? 'none recorded'),
      dd('Concentration', p.concentration_ng_per_ml != null ? u.concentration(p.concentration_ng_per_ml, unit) : '—'),
      dd('Nominal flow', p.nominal_flow_nl_per_day != null ? `${u.mlPerDay(p.nominal_flow_nl_per_day)} (±${tolerance})` : '—'),
      dd('Daily dose', p.dose_ng_per_day != null
        ? `${u.dosePerDay(p.dose_ng_per_day, unit)} at the nominal flow (up to ${u.dosePerDay(p.dose_at_worst_ng_per_day ?? 0, unit)} at +${tolerance})`
        : '—'),
      dd('Reservoir (estimate)', p.reservoir_estimate_nl != null ? `${u.ml(p.reservoir_estimate_nl)} of ${u.ml(p.reservoir_capacity_nl, 0)} (at the fastest flow)` : '—'),
      dd('Last fill', p.last_fill ? `${u.date(p.last_fill.at_ms)}, ${u.ml(p.last_fill.volume_nl)} by ${p.last_fill.clinician}` : '—'),
      dd('Next refill', due),
      dd('Why this date', p.next_refill_reason ?? '—'),
      dd('Empty at the earliest', p.empty_at_worst_date ?? '—')),
    h('p', { class: 'muted' }, 'No program, no alarm, nothing to connect to: its dose changes only with the concentration put in at a refill (itdd dose fixed-rate, then itdd clinic pump refill).'));
}

function pumpCard(p: PumpCard): HTMLElement {
  if (p.kind === 'gas-fixed-rate') return fixedRateCard(p);
  const unit = p.drug_unit ?? 'mg';
  const dd = (label: string, value: Node | string) => [h('dt', {}, label), h('dd', {}, value)];
  const due =
    p.status === 'unknown'
      ? 'no refill recorded: interrogate'
      : p.next_refill_date
        ? `${p.next_refill_date}${p.days_left != null ? ` (${p.days_left < 0 ? `overdue by ${u.days(-p.days_left)}` : `in ${u.days(p.days_left)}`})` : ''}`
        : '—';
  return h('section', { class: 'card', 'aria-label': `Pump ${p.serial}`, 'data-serial': p.serial },
    h('h2', {}, `Pump ${p.serial}`, p.active ? '' : ' (explanted)'),
    h('dl', {},
      dd('Model', p.model),
      dd('Implanted', p.implant_date),
      dd('Catheter', `${u.trim(p.catheter_length_mm / 10, 1)} cm, ${u.ml(p.catheter_volume_nl, 3)}`),
      dd('Drug', p.drug ?? 'none recorded'),
      dd('Concentration', p.concentration_ng_per_ml != null ? u.concentration(p.concentration_ng_per_ml, unit) : '—'),
      dd('Prescription', p.prescription ? `${p.prescription.mode}: at most ${u.dosePerDay(p.prescription.max_daily_dose_ng_per_day, unit)}` : 'none recorded'),
      dd('Reservoir (estimate)', p.reservoir_estimate_nl != null ? `${u.ml(p.reservoir_estimate_nl)} of ${u.ml(p.reservoir_capacity_nl, 0)}` : '—'),
      dd('Last refill', p.last_refill ? `${u.date(p.last_refill.at_ms)}, ${u.ml(p.last_refill.volume_nl)} (${p.last_refill.finding})` : '—'),
      dd('Next refill', due),
      dd('Open alarms', String(p.open_alarms ?? 0)),
      dd('Battery ERI', p.battery_eri_date ?? '—'),
      dd('Replacement', p.replacement ?? '—'),
      dd('Paired', p.paired ? 'yes' : 'no: pair it before connecting')),
    p.active
      ? h('div', { class: 'actions' },
          h('a', { class: 'button', href: `#/implant?serial=${encodeURIComponent(p.serial)}` }, 'Connect to this implant…'))
      : null,
    h('details', {}, h('summary', {}, 'Upload a downloaded log or history…'), uploadForm(p.serial)));
}

function markersOf(s: PumpSeries): Marker[] {
  return [
    ...s.alarms.map((a) => ({ t: a.t_ms / 1000, label: `alarm: ${a.text}`, color: '#e5534b' })),
    ...s.sessions.map((x) => ({ t: x.started_at_ms / 1000, label: `session: #${x.id} ${x.summary}`, color: '#8250df' })),
  ];
}

// Draws every plot of one pump into `holder` (exported for bench/plots-year.mjs).
export function drawPumpPlots(s: PumpSeries, holder: HTMLElement): PlotGroup {
  currentGroup?.destroy();
  const group = new PlotGroup();
  currentGroup = group;
  const width = Math.max(480, Math.min(1300, holder.clientWidth || 1000));
  const unit = s.drug_unit ?? 'drug unit unknown';
  const markers = markersOf(s);
  const d = series.delivery(s);
  const res = series.reservoir(s);
  const rx = series.prescriptions(s);
  const bol = series.boluses(s);
  holder.append(
    group.controls(),
    h('p', { class: 'plot-help' }, 'Drag across a plot to zoom in, turn the mouse wheel to zoom around the cursor, shift+drag to pan. Dashed lines: alarms (red) and sessions (violet).'),
    timePlot({ id: 'plot-hourly', title: `Delivered per hour (${unit}, and µL)`, xs: d.hourly.xs, markers,
      help: 'The drug where a refill tells its concentration; the volume always.',
      series: [
        { spec: { label: 'drug', unit, color: '#0b5cad', kind: 'bars', fill: '#0b5cad55' }, values: d.hourly.columns[0] },
        { spec: { label: 'volume', unit: 'µL', color: '#0a7e8c' }, values: d.hourly.columns[1] },
      ] }, group, width),
    timePlot({ id: 'plot-daily', title: `Delivered per day (${unit}/day, and mL/day)`, xs: d.daily.xs, markers,
      series: [
        { spec: { label: 'drug', unit: `${unit}/day`, color: '#1a7f37', kind: 'bars', fill: '#1a7f3755' }, values: d.daily.columns[0] },
        { spec: { label: 'volume', unit: 'mL/day', color: '#9a6700' }, values: d.daily.columns[1] },
      ] }, group, width),
    timePlot({ id: 'plot-reservoir', title: 'Reservoir (mL)', markers,
      help: 'Line: predicted from each refill and the prescriptions since. Red points: withdrawn (measured) at refills. Band: within it, a withdrawn volume is as expected.',
      xs: res.xs, band: { lower: 2, upper: 3, fill: '#d4a72c33' },
      series: [
        { spec: { label: 'predicted', unit: 'mL', color: '#57606a' }, values: res.columns[0] },
        { spec: { label: 'withdrawn at refill', unit: 'mL', color: '#b3261e', kind: 'points' }, values: res.columns[1] },
        { spec: { label: 'as expected from', unit: 'mL', color: '#d4a72c', dash: [4, 4] }, values: res.columns[2] },
        { spec: { label: 'as expected to', unit: 'mL', color: '#d4a72c', dash: [4, 4] }, values: res.columns[3] },
      ] }, group, width),
    timePlot({ id: 'plot-prescription', title: `Prescription: the most a day (${unit}/day)`, xs: rx.xs, markers,
      series: [{ spec: { label: 'prescribed', unit: `${unit}/day`, color: '#5a2d82', kind: 'step' }, values: rx.columns[0] }] }, group, width),
    timePlot({ id: 'plot-boluses', title: `Patient boluses (${unit})`, xs: bol.xs, markers, height: 160,
      series: [
        { spec: { label: 'granted', unit, color: '#1a7f37', kind: 'points' }, values: bol.columns[0] },
        { spec: { label: 'refused', unit, color: '#b3261e', kind: 'points' }, values: bol.columns[1] },
      ] }, group, width),
  );
  group.reset();
  return group;
}

export async function patientView(ctx: Context): Promise<void> {
  const { main, params, query } = ctx;
  const mrn = params[0];
  const page = await get<PatientPage>(`/api/patients/${encodeURIComponent(mrn)}`);
  const p = page.patient;
  main.append(
    h('h1', {}, `${p.name} `, h('span', { class: 'muted' }, `(${p.mrn})`)),
    h('p', {}, `Born ${p.birth_date} · ${p.indication}`),
    // What the clinic prints (PDF): the summary of the last 90 days and the implant ID card.
    h('p', { class: 'documents' },
      h('a', { class: 'button', href: `/api/patients/${encodeURIComponent(p.mrn)}/summary.pdf`, target: '_blank', rel: 'noopener' }, 'Summary, last 90 days (PDF)'), ' ',
      h('a', { class: 'button', href: `/api/patients/${encodeURIComponent(p.mrn)}/card.pdf`, target: '_blank', rel: 'noopener' }, 'Implant ID card (PDF)')),
    // The record for another system: the same bundle `itdd clinic export --fhir` writes.
    h('p', {}, h('a', { href: `/api/patients/${encodeURIComponent(p.mrn)}/fhir`, download: `${p.mrn}-fhir-r4.json`, id: 'fhir-download' }, 'Download the record (HL7 FHIR R4, JSON)')),
    h('div', { class: 'cards' }, page.pumps.map(pumpCard)),
  );
  const ordered = page.pumps.filter((x) => x.active).concat(page.pumps.filter((x) => !x.active));
  const chosen = query.get('pump') ?? ordered[0]?.serial;
  const plots = h('section', { 'aria-label': 'History plots', id: 'plots' });
  main.append(h('h2', {}, chosen ? `History of pump ${chosen}` : 'History'));
  if (page.pumps.length > 1) {
    main.append(h('p', {}, 'Pump: ', page.pumps.map((x) =>
      h('a', { href: `#/patients/${encodeURIComponent(mrn)}?pump=${encodeURIComponent(x.serial)}`, 'aria-current': x.serial === chosen ? 'true' : null, style: 'margin-right:1rem' }, x.serial))));
  }
  main.append(plots);
  const chosenCard = page.pumps.find((x) => x.serial === chosen);
  if (chosenCard?.kind === 'gas-fixed-rate') {
    plots.append(h('p', {}, 'A fixed-rate (gas-driven) pump keeps no history: it has no electronics to read.'));
  } else if (chosen) {
    const status = h('p', { role: 'status' }, h('progress', { 'aria-label': 'Loading the history' }), ' Loading the history…');
    plots.append(status);
    const s = await get<PumpSeries>(`/api/pumps/${encodeURIComponent(chosen)}/series`);
    status.remove();
    if (!s.delivered_hourly.t_ms.length && !s.prescriptions.t_ms.length && !s.reservoir_predicted.t_ms.length) {
      plots.append(h('p', {}, 'No history for this pump yet: interrogate it and download its history.'));
    } else {
      // Drawn once the browser has laid the page out, so the plots know their width.
      await new Promise((r) => requestAnimationFrame(r));
      drawPumpPlots(s, plots);
    }
  }
  main.append(h('h2', {}, 'Sessions'), sessionsTable(page.sessions.map((x) => ({ ...x, mrn: p.mrn, name: p.name }))));
  if (page.trials.length) {
    main.append(table('Screening trials', ['When', 'Drug', 'Dose', 'Route', 'Score before → after', 'Effect', 'Effective'], page.trials.map((t) => {
      const unit = page.pumps.find((x) => x.drug === t.drug)?.drug_unit ?? 'mg';
      return h('tr', {}, h('td', {}, u.date(t.at_ms)), h('td', {}, t.drug), h('td', { class: 'num' }, u.drug(t.dose_ng, unit)), h('td', {}, t.route),
        h('td', {}, `${t.score_kind} ${t.score_before} → ${t.score_after}`), h('td', { class: 'num' }, `${u.trim(t.effect_ms / 3_600_000, 1)} h`), h('td', {}, t.effective ? 'yes' : 'no'));
    })));
  }
}

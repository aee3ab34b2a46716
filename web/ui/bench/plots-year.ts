// A year of hourly points for one pump, drawn by the patient page's own plotting code: the
// figures bench/plots-year.mjs reports.
import { drawPumpPlots } from '../src/views/patient';
import type { PumpSeries } from '../src/types';

const H = 3_600_000;
const D = 24 * H;
const to = Date.UTC(2026, 11, 7);
const from = to - 365 * D;
const hourly = { t_ms: [] as number[], volume_nl: [] as number[], dose_ng: [] as (number | null)[] };
for (let t = from; t < to; t += H) {
  const v = 8333 + Math.round(2000 * Math.sin((t / D) * 2 * Math.PI));
  hourly.t_ms.push(t);
  hourly.volume_nl.push(v);
  hourly.dose_ng.push(v * 500);
}
const daily = { t_ms: [] as number[], volume_nl: [] as number[], dose_ng: [] as (number | null)[] };
const predicted = { t_ms: [] as number[], volume_nl: [] as number[] };
const measured: PumpSeries['reservoir_measured'] = [];
let level = 18_000_000;
for (let t = from; t < to; t += D) {
  daily.t_ms.push(t);
  daily.volume_nl.push(200_000);
  daily.dose_ng.push(100_000);
  if (level < 3_000_000) {
    measured.push({ at_ms: t, expected_nl: level, withdrawn_nl: level - 200_000, difference_nl: -200_000, finding: 'as-expected', filled_nl: 18_000_000, band_nl: 1_000_000 });
    level = 18_000_000;
  }
  predicted.t_ms.push(t);
  predicted.volume_nl.push(level);
  level -= 200_000;
}
const boluses: PumpSeries['boluses'] = [];
for (let t = from; t < to; t += 3 * D + 7 * H) boluses.push({ t_ms: t, granted: (t / H) % 5 !== 0, dose_ng: 25_000, text: '' });
const series: PumpSeries = {
  serial: 'SN-BENCH', drug_unit: 'mcg', from_ms: from, to_ms: to,
  delivered_hourly: hourly, delivered_daily: daily, reservoir_predicted: predicted, reservoir_measured: measured,
  prescriptions: { t_ms: [from, from + 120 * D, from + 250 * D], max_daily_dose_ng_per_day: [90_000, 100_000, 110_000], mode: ['continuous', 'continuous', 'continuous'], drug: ['baclofen', 'baclofen', 'baclofen'] },
  boluses,
  alarms: [{ t_ms: from + 200 * D, code: 'low-reservoir', text: 'low reservoir' }],
  sessions: measured.map((m, i) => ({ id: i + 1, started_at_ms: m.at_ms, summary: 'refill' })),
};

// uPlot redraws in a microtask after a scale change: awaiting one more counts the redraw.
const settled = () => new Promise<void>((resolve) => queueMicrotask(() => queueMicrotask(resolve)));

async function run(): Promise<void> {
const holder = document.getElementById('plots')!;
const t0 = performance.now();
const group = drawPumpPlots(series, holder);
await settled();
const drawMs = performance.now() - t0;
const zooms: number[] = [];
for (let i = 0; i < 10; i += 1) {
  const z0 = performance.now();
  group.zoom(i % 2 === 0 ? 0.5 : 2);
  await settled();
  zooms.push(performance.now() - z0);
}
const pans: number[] = [];
for (let i = 0; i < 10; i += 1) {
  const p0 = performance.now();
  group.pan(i % 2 === 0 ? 0.25 : -0.25);
  await settled();
  pans.push(performance.now() - p0);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
(window as unknown as { benchResult: unknown }).benchResult = {
  points: hourly.t_ms.length,
  draw_ms: drawMs,
  zoom_median_ms: median(zooms),
  pan_median_ms: median(pans),
};
}
void run();

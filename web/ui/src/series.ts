// From a pump's series (GET /api/pumps/{serial}/series: exact integers in columns) to the
// plots' columns in the units people read: the drug's unit, mL. Pure functions, so the
// arithmetic is in one place and the page only draws. Times become seconds (uPlot's x).
import type { PumpSeries } from './types';
import { ngPer } from './units';

export interface Aligned {
  xs: number[];
  columns: (number | null)[][];
}

// Puts several sparse series on one sorted x axis (null where a series has no point).
export function align(series: { t: number[]; v: (number | null)[] }[]): Aligned {
  const all = new Set<number>();
  for (const s of series) for (const t of s.t) all.add(t);
  const xs = [...all].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((t, i) => index.set(t, i));
  const columns = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    s.t.forEach((t, i) => (col[index.get(t)!] = s.v[i]));
    return col;
  });
  return { xs, columns };
}

const sec = (ms: number) => ms / 1000;
const inUnit = (ng: number | null, unit: string | null) => (ng == null || !unit ? null : ng / ngPer(unit));

// Delivered drug per hour and per clinic day, in the drug's unit.
export function delivery(s: PumpSeries): { hourly: Aligned; daily: Aligned } {
  const u = s.drug_unit;
  return {
    hourly: { xs: s.delivered_hourly.t_ms.map(sec), columns: [s.delivered_hourly.dose_ng.map((v) => inUnit(v, u))] },
    daily: { xs: s.delivered_daily.t_ms.map(sec), columns: [s.delivered_daily.dose_ng.map((v) => inUnit(v, u))] },
  };
}

// The reservoir in mL: the predicted level, what the implant expected and what was withdrawn at
// each refill (the measured points), and the band around the prediction inside which a
// withdrawn volume is as expected (the refill check's allowed discrepancy).
export function reservoir(s: PumpSeries): Aligned {
  const band = s.reservoir_measured.reduce((m, r) => Math.max(m, r.band_nl), 0);
  const pt = s.reservoir_predicted.t_ms.map(sec);
  const pv = s.reservoir_predicted.volume_nl;
  const measured = s.reservoir_measured;
  // A measured point sits a second before its refill, where the prediction before the fill is.
  return align([
    { t: pt, v: pv.map((v) => v / 1e6) },
    { t: measured.map((r) => sec(r.at_ms) - 1), v: measured.map((r) => r.withdrawn_nl / 1e6) },
    { t: pt, v: band ? pv.map((v) => Math.max(0, v - band) / 1e6) : pv.map(() => null) },
    { t: pt, v: band ? pv.map((v) => (v + band) / 1e6) : pv.map(() => null) },
  ]);
}

// The prescribed dose (the most a day, boluses included) as a step line in the drug's unit per
// day, held to the end of the range.
export function prescriptions(s: PumpSeries): Aligned {
  const t = s.prescriptions.t_ms.map(sec);
  const v: (number | null)[] = s.prescriptions.max_daily_dose_ng_per_day.map((d) => inUnit(d, s.drug_unit));
  if (t.length && sec(s.to_ms) > t[t.length - 1]) {
    t.push(sec(s.to_ms));
    v.push(v[v.length - 1]);
  }
  return { xs: t, columns: [v] };
}

// Patient boluses, granted and refused, at their dose in the drug's unit.
export function boluses(s: PumpSeries): Aligned {
  const g = s.boluses.filter((b) => b.granted);
  const r = s.boluses.filter((b) => !b.granted);
  return align([
    { t: g.map((b) => sec(b.t_ms)), v: g.map((b) => inUnit(b.dose_ng, s.drug_unit)) },
    { t: r.map((b) => sec(b.t_ms)), v: r.map((b) => inUnit(b.dose_ng, s.drug_unit)) },
  ]);
}

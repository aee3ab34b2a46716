// The page's arithmetic, without a browser: the API's exact integers to the plots' columns and
// to the numbers people read, each with its unit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importTs } from './bundle.mjs';

const series = await importTs(new URL('../src/series.ts', import.meta.url).pathname);
const units = await importTs(new URL('../src/units.ts', import.meta.url).pathname);

const H = 3_600_000;
function pump(over = {}) {
  return {
    serial: 'SN-1', drug_unit: 'mcg', from_ms: 0, to_ms: 10 * H,
    delivered_hourly: { t_ms: [0, H, 2 * H], volume_nl: [8333, 8333, 0], dose_ng: [4167, 4167, null] },
    delivered_daily: { t_ms: [0], volume_nl: [16666], dose_ng: [8334] },
    reservoir_predicted: { t_ms: [0, 5 * H], volume_nl: [20_000_000, 3_000_000] },
    reservoir_measured: [{ at_ms: 5 * H, expected_nl: 3_000_000, withdrawn_nl: 1_500_000, difference_nl: -1_500_000, finding: 'less-than-expected', filled_nl: 18_000_000, band_nl: 1_000_000 }],
    prescriptions: { t_ms: [0, 4 * H], max_daily_dose_ng_per_day: [100_000, 110_000], mode: ['continuous', 'continuous'], drug: ['baclofen', 'baclofen'] },
    boluses: [{ t_ms: H, granted: true, dose_ng: 50_000, text: '' }, { t_ms: 2 * H, granted: false, dose_ng: 50_000, text: 'lockout' }],
    alarms: [], sessions: [], ...over,
  };
}

test('align puts sparse series on one sorted time axis, null where a series has no point', () => {
  const a = series.align([{ t: [3, 1], v: [30, 10] }, { t: [2, 3], v: [20, 31] }]);
  assert.deepEqual(a.xs, [1, 2, 3]);
  assert.deepEqual(a.columns, [[10, null, 30], [null, 20, 31]]);
});

test('delivery is in the drug\'s unit, seconds on the x axis, an unknown dose left null', () => {
  const d = series.delivery(pump());
  assert.deepEqual(d.hourly.xs, [0, 3600, 7200]);
  assert.deepEqual(d.hourly.columns[0], [4.167, 4.167, null]);
  assert.deepEqual(d.daily.columns[0], [8.334]);
});

test('the reservoir: prediction and band in mL, the withdrawn volume a second before its refill', () => {
  const r = series.reservoir(pump());
  assert.deepEqual(r.xs, [0, 5 * 3600 - 1, 5 * 3600]);
  assert.deepEqual(r.columns[0], [20, null, 3]);
  assert.deepEqual(r.columns[1], [null, 1.5, null]);
  assert.deepEqual(r.columns[2], [19, null, 2]);
  assert.deepEqual(r.columns[3], [21, null, 4]);
  // Without a refill there is no allowed discrepancy to draw.
  const none = series.reservoir(pump({ reservoir_measured: [] }));
  assert.deepEqual(none.columns[2], [null, null]);
});

test('prescriptions are steps held to the end of the range', () => {
  const p = series.prescriptions(pump());
  assert.deepEqual(p.xs, [0, 4 * 3600, 10 * 3600]);
  assert.deepEqual(p.columns[0], [100, 110, 110]);
});

test('boluses split into granted and refused', () => {
  const b = series.boluses(pump());
  assert.deepEqual(b.columns, [[50, null], [null, 50]]);
});

test('numbers carry their units, in the drug\'s unit', () => {
  assert.equal(units.dosePerDay(400_000, 'mcg'), '400 mcg/day');
  assert.equal(units.dosePerDay(1_500_000, 'mg'), '1.5 mg/day');
  assert.equal(units.concentration(2_000_000, 'mcg'), '2000 mcg/mL');
  assert.equal(units.ml(3_100_000), '3.1 mL');
  assert.equal(units.ml(20_000_000, 0), '20 mL');
  assert.equal(units.days(1), '1 day');
  assert.equal(units.days(30), '30 days');
});

test('a typed decimal is read exactly or refused, never guessed', () => {
  assert.equal(units.parseDecimal(' 2.5 '), 2.5);
  assert.equal(units.parseDecimal('110'), 110);
  for (const bad of ['', '2,5', '1e3', '-1', '.5', '5.', '0x10', '2.5 mL', 'NaN']) {
    assert.equal(units.parseDecimal(bad), null, bad);
  }
});

test('dates are the clinic zone\'s', () => {
  units.setClinicZone('Pacific/Auckland');
  assert.equal(units.date(Date.UTC(2026, 11, 7, 12, 0)), '2026-12-08');
  assert.equal(units.dateTime(Date.UTC(2026, 11, 7, 12, 0)), '2026-12-08 01:00');
  units.setClinicZone('UTC');
  assert.equal(units.dateTime(Date.UTC(2026, 11, 7, 12, 0)), '2026-12-07 12:00');
});

test('without a known drug, no dose is drawn rather than a guessed one', () => {
  const d = series.delivery(pump({ drug_unit: null }));
  assert.deepEqual(d.hourly.columns[0], [null, null, null]);
});

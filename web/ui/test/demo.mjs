// The browser tests' clinic, made through the real command line (`itdd clinic ...`,
// `itdd programmer ...` against virtual implants), so every record in it went through the same
// checks as a clinic's: a baclofen pump due for refill in 3 days (connected: the action tests
// program and refill it), a morphine pump due in 30, and a patient whose pump was never
// refilled here. The clinic's zone is UTC so the "days left" arithmetic below is plain.
import { join } from 'node:path';
import { itdd, serve, stop } from './harness.mjs';

const DAY_MS = 86_400_000;
const LOW_ALARM_ML = 2;
const SAFETY_MARGIN_DAYS = 5; // data/drug-library.json refill_safety_margin_days

// The volume to fill so the reservoir is predicted low at noon (UTC) of the day
// `daysLeft + margin` from today: the next refill date is then `daysLeft` days away whatever
// the hour the test runs (rate in mL/day; the fill is rounded to 0.001 mL, a few minutes).
function fillFor(daysLeft, mlPerDay, nowMs) {
  const todayMidnight = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const lowAt = todayMidnight + (daysLeft + SAFETY_MARGIN_DAYS) * DAY_MS + DAY_MS / 2;
  return (LOW_ALARM_ML + (mlPerDay * (lowAt - nowMs)) / DAY_MS).toFixed(3);
}

async function remainingMl(link) {
  const status = JSON.parse(await itdd(['programmer', 'interrogate', ...link, '--json']));
  return (status.reservoir.remaining_nl / 1e6).toFixed(3);
}

// A virtual implant for `serial`, filled with `drug` and programmed at `dose` (its unit per
// day); with `history`, the implant then runs that many days at once (`itdd implant advance`,
// its clock set back to the clinic's after), so it has weeks of hourly delivery to download;
// then refilled so its next refill is `daysLeft` days away. Its event log and delivery history
// are written to files for the tests to upload through the page.
async function pumpDueIn(ctx, { mrn, name, indication, serial, drug, concentration, dose, mlPerDay, daysLeft, historyDays = 0 }) {
  const { dir, db, key } = ctx;
  const state = join(dir, `implant-${serial}`);
  const start = () => serve(['implant', 'serve', '--state', state, '--listen', '127.0.0.1:0', '--provision', `clinician:${key}`], `implant-${serial}`, dir);
  const linkOf = (address) => ['--implant', address, '--key', key, '--implant-key', join(state, 'implant.pub')];
  let implant = await start();
  ctx.running.add(implant);
  let link = linkOf(implant.address);
  const rec = ['--db', db, '--clinician', 'Dr Lee', '--yes'];
  await itdd(['clinic', '--db', db, 'patient', 'add', '--mrn', mrn, '--name', name, '--birth-date', '1968-03-14', '--indication', indication]);
  await itdd(['clinic', '--db', db, 'pump', 'add', '--patient', mrn, '--model', 'peristaltic-20', '--serial', serial,
    '--implant-date', '2025-06-02', '--catheter-length-cm', '50', '--catheter-volume-ml', '0.16']);
  await itdd(['programmer', 'refill', ...link, ...rec, '--pump', serial, '--drug', drug, '--concentration', concentration, '--volume-ml', '18']);
  await itdd(['programmer', 'program', ...link, ...rec, '--drug', drug, '--concentration', concentration, '--dose', dose]);
  if (historyDays > 0) {
    await stop(implant);
    ctx.running.delete(implant);
    await itdd(['implant', 'advance', '--state', state, '--by', `${historyDays}d`]);
    implant = await start();
    ctx.running.add(implant);
    link = linkOf(implant.address);
    await itdd(['programmer', 'set-clock', ...link, '--now', '--time-zone', 'UTC', ...rec]);
  }
  await itdd(['programmer', 'refill', ...link, ...rec, '--withdrawn-ml', await remainingMl(link), '--drug', drug,
    '--concentration', concentration, '--volume-ml', fillFor(daysLeft, mlPerDay, Date.now()), '--low-alarm-ml', String(LOW_ALARM_ML)]);
  const log = join(dir, `${serial}-log.json`);
  const history = join(dir, `${serial}-history.json`);
  await itdd(['programmer', 'log', ...link, '--out', log]);
  await itdd(['programmer', 'history', ...link, '--hours', String(Math.max(24, historyDays * 24 + 24)), '--out', history]);
  return { implant, link, state, uploads: [log, history] };
}

// `more`: a few more patients (the demo a person opens; the tests keep to the three they use).
export async function fillDemo(dir, { more = false } = {}) {
  const db = join(dir, 'clinic.db');
  const key = join(dir, 'clinic.key');
  await itdd(['programmer', 'keygen', '--key', key]);
  await itdd(['clinic', '--db', db, 'init', '--time-zone', 'UTC']);
  // Every implant started, stopped again if the fill fails half-way (no process left behind).
  const ctx = { dir, db, key, running: new Set() };
  try {
    return await fill(ctx, more);
  } catch (e) {
    await Promise.all([...ctx.running].map(stop));
    throw e;
  }
}

async function fill(ctx, more) {
  const { db, key } = ctx;
  const baclofen = { mrn: 'MRN-2001', name: 'Ana Silva', indication: 'spasticity', serial: 'SN-2001', drug: 'baclofen',
    concentration: '500', dose: '100', mlPerDay: 0.2, daysLeft: 3, historyDays: 30 };
  const morphine = { mrn: 'MRN-2002', name: 'Bo Chen', indication: 'pain', serial: 'SN-2002', drug: 'morphine',
    concentration: '10', dose: '1', mlPerDay: 0.1, daysLeft: 30 };
  const connected = await pumpDueIn(ctx, baclofen);
  // The morphine pump's implant stays connected too: the priming test primes it (a priming and a
  // bolus each run for a while, and the implant refuses one while the other runs).
  const other = await pumpDueIn(ctx, morphine);
  if (more) {
    for (const p of [
      { mrn: 'MRN-2004', name: 'Dee Moreau', indication: 'pain', serial: 'SN-2004', drug: 'ziconotide', concentration: '25', dose: '2.4', mlPerDay: 0.096, daysLeft: 9 },
      { mrn: 'MRN-2005', name: 'Eli Novak', indication: 'spasticity', serial: 'SN-2005', drug: 'baclofen', concentration: '2000', dose: '600', mlPerDay: 0.3, daysLeft: 21 },
      { mrn: 'MRN-2006', name: 'Fay Lindqvist', indication: 'pain', serial: 'SN-2006', drug: 'hydromorphone', concentration: '5', dose: '2', mlPerDay: 0.4, daysLeft: 12 },
    ]) {
      await stop((await pumpDueIn(ctx, p)).implant);
    }
  }
  // A patient whose pump was never refilled here: "unknown", to interrogate.
  await itdd(['clinic', '--db', db, 'patient', 'add', '--mrn', 'MRN-2003', '--name', 'Cy Okafor', '--birth-date', '1980-09-30', '--indication', 'pain']);
  await itdd(['clinic', '--db', db, 'pump', 'add', '--patient', 'MRN-2003', '--model', 'peristaltic-20', '--serial', 'SN-2003',
    '--implant-date', '2026-10-01', '--catheter-length-cm', '45', '--catheter-volume-ml', '0.15']);
  // A fixed-rate (gas-driven) pump: recorded with its first fill (morphine 2 mg/mL, 30 mL, now);
  // it has no implant, so nothing to connect to.
  const fixedRate = { mrn: 'MRN-2007', name: 'Gus Ferreira', serial: 'GAS-2007' };
  await itdd(['clinic', '--db', db, 'patient', 'add', '--mrn', fixedRate.mrn, '--name', fixedRate.name, '--birth-date', '1959-02-11', '--indication', 'pain']);
  await itdd(['clinic', '--db', db, 'pump', 'add', '--patient', fixedRate.mrn, '--model', 'gas-fixed-30', '--serial', fixedRate.serial,
    '--implant-date', '2026-02-02', '--catheter-length-cm', '48', '--catheter-volume-ml', '0.15', '--drug', 'morphine',
    '--concentration', '2', '--volume-ml', '30', '--clinician', 'Dr Lee']);
  return {
    db,
    clinicKey: key,
    fixedRate,
    baclofenDue3: baclofen,
    morphineDue30: morphine,
    withHistory: { ...baclofen, uploads: connected.uploads },
    connected: {
      serial: baclofen.serial,
      address: () => connected.implant.address,
      drug: 'baclofen',
      unit: 'mcg',
      concentration: '500',
      // Less than the 100 mcg/day programmed minutes ago: baclofen's increases must be 24 h apart.
      newDose: '90',
      overHardLimit: '2000', // above baclofen's hard maximum, 1406 mcg/day
      // 2 mL more than the implant expects: off by more than 5 % of the 20 mL reservoir.
      offWithdrawnMl: async () => (Number(await remainingMl(connected.link)) + 2).toFixed(3),
    },
    // Priming: the morphine pump, filled with 18 mL (its catheter holds 0.16 mL).
    primed: { serial: morphine.serial, address: () => other.implant.address, catheterMl: '0.16' },
    // A clinician bolus on the baclofen pump: 50 mcg over 30 min is 0.1 mL at 500 mcg/mL.
    bolus: { dose: '50', duration: '30m', volumeMl: '0.1' },
    stop: () => Promise.all([stop(connected.implant), stop(other.implant)]),
  };
}

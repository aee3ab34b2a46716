// The dashboard in a real browser (Debian's chromium, headless, driven by playwright-core)
// against a real `itdd clinic serve` on a filled demo database and a virtual implant
// (`itdd implant serve`), both on ephemeral loopback ports. One server and one browser for
// the whole file (the steps are cheap; starting them is not), a screenshot of each step kept
// under ITDD_WEB_ARTIFACTS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { browser, env, itdd, pixelsOfColour, removeDir, serve, shot, stop, workDir } from './harness.mjs';
import { fillDemo } from './demo.mjs';

const run = promisify(execFile);
const CLINICIAN = { user: 'dr.ward', password: 'correct horse battery staple' };
const STAFF = { user: 'front.desk', password: 'another long passphrase' };

let dir;
let implant;
let server;
let chrome;
let base;
let demo;

before(async () => {
  dir = workDir();
  demo = await fillDemo(dir);
  for (const [who, role] of [[CLINICIAN, 'clinician'], [STAFF, 'staff']]) {
    const file = join(dir, `${who.user}.pw`);
    writeFileSync(file, `${who.password}\n`, { mode: 0o600 });
    await itdd(['clinic', '--db', demo.db, 'user', 'add', '--user', who.user, '--role', role, '--password-file', file]);
  }
  // With the programmer's key, for the actions on the connected implant.
  server = await serve(
    ['clinic', 'serve', '--db', demo.db, '--listen', '127.0.0.1:0', '--ui', env.ui, '--key', demo.clinicKey],
    'clinic-serve', dir);
  base = `http://${server.address}`;
  chrome = await browser();
});

after(async () => {
  await chrome?.close();
  await stop(server);
  await demo?.stop?.();
  removeDir(dir);
});

// A page logged in as `who`: through the login form the first time, then with that session's
// cookie (hashing a password is deliberately slow; the login itself is tested once).
const sessions = new Map();
async function logIn(who, page) {
  if (!page && sessions.has(who.user)) {
    const context = await chrome.newContext({ viewport: { width: 1280, height: 900 }, storageState: sessions.get(who.user) });
    page = await context.newPage();
    await page.goto(`${base}/#/`);
    await page.getByRole('heading', { name: 'Clinic overview' }).waitFor();
    return page;
  }
  page ??= await (await chrome.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${base}/#/login`);
  await page.getByLabel('User name').fill(who.user);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Clinic overview' }).waitFor();
  sessions.set(who.user, await page.context().storageState());
  return page;
}

describe('the clinic dashboard', () => {
  test('a wrong password is refused beside the field; the right one opens the overview', async () => {
    const page = await (await chrome.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(CLINICIAN.user);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const error = page.locator('[data-field="password"] .field-error');
    await error.filter({ hasText: /wrong password/ }).waitFor();
    await shot(page, 'login-refused');
    await logIn(CLINICIAN, page);
    assert.match(await page.locator('#who').innerText(), /dr\.ward \(clinician\)/);
    await shot(page, 'overview');
    await page.context().close();
  });

  test('the overview ranks a baclofen pump due in 3 days above a morphine pump due in 30', async () => {
    const page = await logIn(CLINICIAN);
    const rows = page.locator('#overview-table tbody tr');
    await rows.first().waitFor();
    const order = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.serial));
    const baclofen = order.indexOf(demo.baclofenDue3.serial);
    const morphine = order.indexOf(demo.morphineDue30.serial);
    assert.ok(baclofen >= 0 && morphine >= 0, `both pumps listed: ${order.join(', ')}`);
    assert.ok(baclofen < morphine, `baclofen (row ${baclofen + 1}) above morphine (row ${morphine + 1})`);
    const bacRow = page.locator(`tr[data-serial="${demo.baclofenDue3.serial}"]`);
    assert.match(await bacRow.innerText(), /in 3 days/);
    assert.match(await page.locator(`tr[data-serial="${demo.morphineDue30.serial}"]`).innerText(), /in 30 days/);
    // The search narrows the list without reordering it.
    await page.getByLabel('Search').fill('morphine');
    assert.equal(await bacRow.isHidden(), true);
    await shot(page, 'overview-search');
    await page.context().close();
  });

  test('a patient page: upload what the implant recorded, then its plots draw it', async () => {
    const page = await logIn(CLINICIAN);
    const serial = demo.withHistory.serial;
    await page.locator(`tr[data-serial="${serial}"] a`).first().click();
    const card = page.locator(`section.card[data-serial="${serial}"]`);
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /baclofen/);
    assert.match(text, /500 mcg\/mL/);
    assert.match(text, /at most 100 mcg\/day/);
    // The event log and 30 days of hourly delivery, downloaded from the implant by the command
    // line, uploaded through the page (the server keeps the implant's clock offset with them).
    await card.getByText('Upload a downloaded log or history').click();
    await card.getByLabel('Event log or delivery history files').setInputFiles(demo.withHistory.uploads);
    await card.getByRole('button', { name: 'Upload' }).click();
    await card.locator('.notice.ok').nth(1).waitFor();
    assert.match(await card.locator('.upload').innerText(), /history\.json: [1-9]\d* record\(s\) stored/);
    await shot(page, 'patient-uploaded');
    await page.reload();
    await page.locator('#plot-hourly canvas').waitFor();
    await shot(page, 'patient');
    // The data, not only the axes: the series' own colours are on the canvases.
    // The volumes (the concentration is known only from the first refill recorded here on).
    assert.ok(await pixelsOfColour(page, '#plot-hourly canvas', [10, 126, 140]) > 500, 'hourly volume drawn');
    assert.ok(await pixelsOfColour(page, '#plot-daily canvas', [154, 103, 0]) > 500, 'daily volume drawn');
    // The reservoir's drop at the refill (18 mL less 30 days, then 3.6 mL filled).
    // (a vertical line at the right edge: the demo's refills are seconds apart, half hidden by
    // the session markers drawn over it)
    const predicted = await pixelsOfColour(page, '#plot-reservoir canvas', [87, 96, 106]);
    assert.ok(predicted > 20, `predicted reservoir drawn (${predicted} pixels)`);
    const withdrawn = await pixelsOfColour(page, '#plot-reservoir canvas', [179, 38, 30]);
    assert.ok(withdrawn > 20, `the withdrawn volume at the refill drawn (${withdrawn} pixels)`);
    assert.ok(await pixelsOfColour(page, '#plot-hourly canvas', [130, 80, 223]) > 20, 'session markers drawn');
    // Zoom in: every plot's time axis follows.
    const span = async (id) => page.$eval(id, (f) => Number(f.dataset.toS) - Number(f.dataset.fromS));
    const before = await span('#plot-daily');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    assert.ok(Math.abs((await span('#plot-daily')) / before - 0.25) < 0.01, 'zoomed to a quarter');
    assert.equal(await span('#plot-reservoir'), await span('#plot-daily'), 'the plots share one time range');
    await shot(page, 'patient-zoomed');
    await page.context().close();
  });

  test('a patient page offers the record as a FHIR R4 download, the bytes the command line writes', async () => {
    const page = await logIn(STAFF);
    const { mrn, serial } = demo.morphineDue30;
    await page.locator(`tr[data-serial="${serial}"] a`).first().click();
    const link = page.getByRole('link', { name: 'Download the record (HL7 FHIR R4, JSON)' });
    await link.waitFor();
    await shot(page, 'patient-fhir-link');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), `${mrn}-fhir-r4.json`);
    const text = readFileSync(await download.path(), 'utf8');
    const bundle = JSON.parse(text);
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.entry[0].resource.identifier[0].value, mrn);
    assert.equal(text, await itdd(['clinic', '--db', demo.db, 'export', '--fhir', '--patient', mrn]));
    await page.context().close();
  });
});

// A request from the logged-in page, as a forger would send it: `csrf` true sends the session's
// real token, a string sends that string, false sends none.
async function fetchFromPage(page, path, body, csrf) {
  return page.evaluate(
    async ({ path, body, csrf }) => {
      const headers = { 'Content-Type': 'application/json' };
      if (csrf === true) {
        const me = await (await fetch('/api/me')).json();
        headers['X-CSRF-Token'] = me.csrf_token;
      } else if (typeof csrf === 'string') {
        headers['X-CSRF-Token'] = csrf;
      }
      const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    { path, body, csrf },
  );
}

async function openImplant(page) {
  const { serial, address } = demo.connected;
  await page.goto(`${base}/#/implant?serial=${encodeURIComponent(serial)}&implant=${encodeURIComponent(address())}`);
  await page.getByRole('heading', { name: 'Connected implant' }).waitFor();
}

describe('a fixed-rate (gas-driven) pump', () => {
  test('shown with its drug, concentration, nominal flow and daily dose, marked not programmable, with nothing to program', async () => {
    const page = await logIn(CLINICIAN);
    const row = page.locator(`#overview-table tr[data-serial="${demo.fixedRate.serial}"]`);
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /fixed-rate \(gas-driven\), not programmable/);
    assert.match(text, /morphine\s+2 mg\/mL/);
    assert.match(text, /2 mg\/day\s+at 1 mL\/day nominal/);
    assert.match(text, /in 1[89] days/);
    await page.goto(`${base}/#/patients/${demo.fixedRate.mrn}`);
    const card = page.locator(`section[data-serial="${demo.fixedRate.serial}"]`);
    await card.waitFor();
    assert.equal(await card.getAttribute('data-kind'), 'gas-fixed-rate');
    const c = await card.innerText();
    assert.match(c, /fixed-rate \(gas-driven\), not programmable/);
    assert.match(c, /Concentration\s+2 mg\/mL/);
    assert.match(c, /Nominal flow\s+1 mL\/day \(±15 %\)/);
    assert.match(c, /Daily dose\s+2 mg\/day at the nominal flow \(up to 2\.3 mg\/day at \+15 %\)/);
    // Nothing to connect to, nothing to program, no upload: no button or form for them.
    assert.equal(await card.getByRole('link', { name: /Connect/ }).count(), 0);
    assert.equal(await card.getByRole('button').count(), 0);
    assert.equal(await card.locator('form, details').count(), 0);
    assert.match(await page.locator('#plots').innerText(), /keeps no history/);
    await shot(page, 'fixed-rate-patient');
    // The refill calendar lists it, marked.
    await page.goto(`${base}/#/calendar?within=60`);
    const due = page.locator(`tr[data-mrn="${demo.fixedRate.mrn}"]`);
    await due.waitFor();
    assert.match(await due.innerText(), /fixed-rate \(gas-driven\), not programmable/);
    // The implant actions refuse it by name, before any connection.
    const refused = await fetchFromPage(page, '/api/implant/interrogate', { serial: demo.fixedRate.serial, implant: '127.0.0.1:9' }, true);
    assert.equal(refused.status, 400, JSON.stringify(refused));
    assert.equal(refused.body.error.field, 'serial');
    assert.match(refused.body.error.message, /is a fixed-rate gas-driven pump, not programmable: it has no electronics/);
    await page.context().close();
  });
});

describe('the clinic\'s other pages', () => {
  test('refill calendar, session report, drug library with sources, audit log', async () => {
    const page = await logIn(CLINICIAN);
    await page.goto(`${base}/#/calendar?within=60`);
    const due = page.locator(`tr[data-mrn="${demo.baclofenDue3.mrn}"]`);
    await due.waitFor();
    assert.match(await due.innerText(), /3 days/);
    assert.match(await page.locator(`tr[data-mrn="${demo.morphineDue30.mrn}"]`).innerText(), /30 days/);
    await shot(page, 'calendar');
    await page.goto(`${base}/#/sessions`);
    await page.locator('table a[href^="#/sessions/"]').first().click();
    await page.getByRole('heading', { name: /Session #\d+/ }).waitFor();
    assert.match(await page.locator('main').innerText(), /What changed, in order/);
    await shot(page, 'session-report');
    await page.goto(`${base}/#/drugs`);
    const baclofen = page.locator('table[data-drug="baclofen"]');
    await baclofen.waitFor();
    const lib = await baclofen.innerText();
    assert.match(lib, /hard max\s+1406 mcg\/day\s+hard/);
    assert.match(lib, /soft max\s+703 mcg\/day\s+soft\s+Baclofen: maintenance/);
    await page.goto(`${base}/#/audit`);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    assert.match(await page.locator('main table').innerText(), /dr\.ward\s+login/);
    await shot(page, 'audit');
    await page.context().close();
  });
});

// A PDF the page links to, fetched with the page's session and read back by pdftotext.
async function pdfText(page, href, name) {
  const response = await page.request.get(new URL(href, base).toString());
  assert.equal(response.status(), 200, await response.text());
  assert.equal(response.headers()['content-type'], 'application/pdf');
  const file = join(dir, name);
  writeFileSync(file, await response.body());
  const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
  return stdout.replace(/\s+/g, ' ');
}

describe('printed documents', () => {
  test('the session report, the summary and the ID card, from their buttons, as PDF', async () => {
    // The card names whom to call: the clinic's settings first (without them it is refused).
    await itdd(['clinic', '--db', demo.db, 'settings', '--name', 'Clinique Saint-Éloi', '--emergency-phone', '+33 1 23 45 67 89']);
    const page = await logIn(CLINICIAN);
    await page.goto(`${base}/#/sessions`);
    await page.locator('table a[href^="#/sessions/"]').first().click();
    const report = page.getByRole('link', { name: 'Session report (PDF)' });
    await report.waitFor();
    const reportText = await pdfText(page, await report.getAttribute('href'), 'report.pdf');
    assert.match(reportText, /Programming session \d+/);
    assert.match(reportText, /Clinique Saint-Éloi/);
    assert.match(reportText, /Next refill/);
    await page.goto(`${base}/#/patients/${encodeURIComponent(demo.baclofenDue3.mrn)}`);
    const summary = page.getByRole('link', { name: 'Summary, last 90 days (PDF)' });
    await summary.waitFor();
    await shot(page, 'patient-documents');
    const summaryText = await pdfText(page, await summary.getAttribute('href'), 'summary.pdf');
    assert.match(summaryText, /Delivered dose per day \(mcg\/day\)/);
    const card = page.getByRole('link', { name: 'Implant ID card (PDF)' });
    const cardText = await pdfText(page, await card.getAttribute('href'), 'card.pdf');
    assert.match(cardText, /may set off metal detectors/);
    assert.match(cardText, /\+33 1 23 45 67 89/);
    await page.context().close();
  });
});

describe('actions against a connected virtual implant', () => {
  test('interrogate, then program a dose through review, confirmation and read-back', async () => {
    const page = await logIn(CLINICIAN);
    await openImplant(page);
    await page.getByRole('button', { name: 'Interrogate' }).click();
    await page.locator('#implant-status [data-status="implant"]').waitFor();
    await shot(page, 'interrogated');
    const program = page.locator('#action-program');
    await program.getByLabel('Drug').selectOption(demo.connected.drug);
    await program.getByLabel('Concentration').fill(demo.connected.concentration);
    assert.equal(await program.locator('[data-field="concentration"] .unit').innerText(), `${demo.connected.unit}/mL`);
    await program.getByLabel('Dose per day').fill(demo.connected.newDose);
    assert.equal(await program.locator('[data-field="dose"] .unit').innerText(), `${demo.connected.unit}/day`);
    await program.getByRole('button', { name: 'Review' }).click();
    await program.locator('.side-by-side').waitFor();
    const review = await program.locator('.review').innerText();
    assert.match(review, /Old: in the implant now/);
    assert.match(review, /100 mcg\/day/); // old
    assert.match(review, new RegExp(`${demo.connected.newDose} ${demo.connected.unit}/day`)); // new
    assert.match(review, /mL\/day/); // the rate
    assert.match(review, /Drug library: within the limits/);
    const send = program.getByRole('button', { name: 'Send the new program' });
    assert.equal(await send.isDisabled(), true, 'nothing is sent before the explicit confirmation');
    await shot(page, 'program-review');
    await program.getByLabel(/I have checked the review/).check();
    await send.click();
    await program.locator('[data-outcome="done"]').waitFor({ timeout: 30_000 });
    const outcome = await program.locator('[data-outcome]').innerText();
    assert.match(outcome, /Read back from the implant/);
    assert.match(outcome, new RegExp(`${demo.connected.newDose} ${demo.connected.unit}/day`));
    await shot(page, 'program-read-back');
    await page.context().close();
  });

  test('a dose over the hard limit is refused, with the limit named beside the dose', async () => {
    const page = await logIn(CLINICIAN);
    await openImplant(page);
    const program = page.locator('#action-program');
    await program.getByLabel('Drug').selectOption(demo.connected.drug);
    await program.getByLabel('Concentration').fill(demo.connected.concentration);
    await program.getByLabel('Dose per day').fill(demo.connected.overHardLimit);
    await program.getByRole('button', { name: 'Review' }).click();
    // Refused beside the dose, and the drug library's verdict naming the limit (baclofen's hard
    // maximum, 1406 mcg/day) under the form; nothing to confirm.
    const error = program.locator('[data-field="dose"] .field-error');
    await error.filter({ hasText: /hard limit/ }).waitFor();
    assert.match(await program.locator('.review').innerText(), /blocked[\s\S]*1406 mcg\/day/);
    assert.equal(await program.getByRole('button', { name: 'Send the new program' }).count(), 0, 'nothing to confirm');
    await shot(page, 'program-hard-limit');
    await page.context().close();
  });

  test('a refill whose withdrawn volume is off is stopped until acknowledged with a reason', async () => {
    const page = await logIn(CLINICIAN);
    await openImplant(page);
    const refill = page.locator('#action-refill');
    await refill.getByLabel('Withdrawn from the reservoir').fill(await demo.connected.offWithdrawnMl());
    await refill.getByLabel('Drug').selectOption(demo.connected.drug);
    await refill.getByLabel('Concentration').fill(demo.connected.concentration);
    await refill.getByLabel('Volume filled').fill('18');
    await refill.getByRole('button', { name: 'Review' }).click();
    // The server stops the refill and asks for the acknowledgement, its reason beside the field.
    const ack = refill.locator('[data-field="acknowledge"]');
    await ack.locator('.field-error').filter({ hasText: /\S/ }).waitFor();
    assert.match(await ack.locator('.field-error').innerText(), /mL/);
    assert.equal(await refill.locator('[data-outcome]').count(), 0, 'nothing sent');
    assert.equal(await refill.getByRole('button', { name: 'Record the refill' }).count(), 0, 'nothing to confirm');
    await shot(page, 'refill-stopped');
    await refill.getByLabel(/Acknowledge the discrepancy/).fill('aspirated again: no pocket fill; patient well');
    await refill.getByRole('button', { name: 'Review' }).click();
    await refill.getByText(/Discrepancy:/).waitFor();
    await refill.getByLabel(/I have checked the review/).check();
    await refill.getByRole('button', { name: 'Record the refill' }).click();
    await refill.locator('[data-outcome="done"]').waitFor({ timeout: 30_000 });
    assert.match(await refill.locator('[data-outcome]').innerText(), /Next refill/);
    await shot(page, 'refill-acknowledged');
    await page.context().close();
  });

  test('prime a catheter: what the implant does now beside the priming, confirmation, read-back', async () => {
    const page = await logIn(CLINICIAN);
    const { serial, address, catheterMl } = demo.primed;
    await page.goto(`${base}/#/implant?serial=${encodeURIComponent(serial)}&implant=${encodeURIComponent(address())}`);
    const prime = page.locator('#action-prime');
    await prime.getByLabel('Catheter volume').fill(catheterMl);
    await prime.getByRole('button', { name: 'Review' }).click();
    await prime.locator('.side-by-side-table').waitFor();
    const review = await prime.locator('.review').innerText();
    assert.match(review, /Old: in the implant now\s+New: to send/);
    assert.match(review, /Activity\s+basal\s+priming, then the program again/);
    assert.match(review, /Program\s+morphine 10 mg\/mL, continuous 1 mg\/day\s+paused while priming, then resumed unchanged/);
    assert.match(review, new RegExp(`Priming volume\\s+-\\s+[\\d.]+ mL \\(pump dead volume [\\d.]+ mL \\+ catheter ${catheterMl} mL\\)`));
    assert.match(review, /Priming rate\s+-\s+[\d.]+ mL\/day/);
    assert.match(review, /Reservoir\s+[\d.]+ mL\s+[\d.]+ mL \([\d.]+ mL less\)/);
    const send = prime.getByRole('button', { name: 'Prime', exact: true });
    assert.equal(await send.isDisabled(), true, 'nothing is sent before the explicit confirmation');
    await shot(page, 'prime-review');
    await prime.getByLabel(/I have checked the review/).check();
    await send.click();
    await prime.locator('[data-outcome="done"]').waitFor({ timeout: 30_000 });
    const outcome = await prime.locator('[data-outcome]').innerText();
    assert.match(outcome, /Read back from the implant/);
    assert.match(outcome, /Priming started\s+[\d.]+ mL/);
    assert.match(outcome, /Ends\s+\d{4}-\d\d-\d\d \d\d:\d\d/);
    assert.match(outcome, /Activity now\s+priming/);
    assert.match(outcome, /Recorded: prime: [\d.]+ mL/);
    await shot(page, 'prime-read-back');
    await page.context().close();
  });

  test('a clinician bolus: the drug library\'s verdict, old and new side by side, confirmation, read-back', async () => {
    const page = await logIn(CLINICIAN);
    await openImplant(page);
    const bolus = page.locator('#action-bolus');
    const { dose, duration, volumeMl } = demo.bolus;
    await bolus.getByLabel('Drug').selectOption(demo.connected.drug);
    assert.equal(await bolus.locator('[data-field="dose"] .unit').innerText(), demo.connected.unit);
    await bolus.getByLabel('Bolus dose').fill(dose);
    await bolus.getByLabel('Over', { exact: true }).fill(duration);
    await bolus.getByRole('button', { name: 'Review' }).click();
    await bolus.locator('.side-by-side-table').waitFor();
    const review = await bolus.locator('.review').innerText();
    assert.match(review, /Drug in the reservoir\s+baclofen 500 mcg\/mL/);
    assert.match(review, new RegExp(`Program\\s+baclofen 500 mcg/mL, continuous ${demo.connected.newDose} mcg/day\\s+paused during the bolus`));
    assert.match(review, new RegExp(`Clinician bolus\\s+-\\s+${dose} mcg over 30 min`));
    assert.match(review, new RegExp(`Bolus volume\\s+-\\s+${volumeMl} mL at 500 mcg/mL`));
    assert.match(review, new RegExp(`Clinician boluses in the last 24 h\\s+0, 0 mcg\\s+1, ${dose} mcg \\(with this one\\)`));
    assert.match(review, /Drug library: within the limits/);
    const send = bolus.getByRole('button', { name: 'Give the bolus' });
    assert.equal(await send.isDisabled(), true, 'nothing is sent before the explicit confirmation');
    await shot(page, 'bolus-review');
    await bolus.getByLabel(/I have checked the review/).check();
    await send.click();
    await bolus.locator('[data-outcome="done"]').waitFor({ timeout: 30_000 });
    const outcome = await bolus.locator('[data-outcome]').innerText();
    assert.match(outcome, /Read back from the implant/);
    assert.match(outcome, new RegExp(`Bolus started\\s+${dose} mcg \\(${volumeMl} mL\\)`));
    assert.match(outcome, /Activity now\s+clinician bolus/);
    assert.match(outcome, new RegExp(`Recorded: clinician bolus ${dose} mcg of baclofen over 30 min; drug library: within`));
    await shot(page, 'bolus-read-back');
    await page.context().close();
  });

  test('a state-changing request without the CSRF token, or with a wrong one, is refused', async () => {
    const page = await logIn(CLINICIAN);
    const requests = [
      [`/api/pumps/${demo.withHistory.serial}/uploads`, { kind: 'log', document: {} }],
      ['/api/logout', {}],
    ];
    requests.push(['/api/implant/program/review', { serial: demo.connected.serial, implant: demo.connected.address(), drug: demo.connected.drug,
      concentration: demo.connected.concentration, unit: demo.connected.unit, mode: 'continuous', dose: demo.connected.newDose }]);
    for (const [path, body] of requests) {
      for (const csrf of [false, 'forged-token']) {
        const r = await fetchFromPage(page, path, body, csrf);
        assert.equal(r.status, 403, `${path}: ${JSON.stringify(r)}`);
        assert.equal(r.body.error.field, 'csrf');
      }
    }
    // Still logged in: the refused logout did nothing.
    await page.reload();
    await page.getByRole('heading', { name: 'Clinic overview' }).waitFor();
    await page.context().close();
  });

  test('a staff account may look but not program', async () => {
    const page = await logIn(STAFF);
    await openImplant(page);
    await page.getByText(/Your role \(staff\) may view/).waitFor();
    assert.equal(await page.locator('#action-program').getByRole('button', { name: 'Review' }).isDisabled(), true);
    await shot(page, 'staff-cannot-program');
    // The server decides, not the page: what a clinician may do is refused to staff.
    const audit = await page.evaluate(async () => {
      const res = await fetch('/api/audit');
      return { status: res.status, body: await res.json() };
    });
    assert.equal(audit.status, 403, JSON.stringify(audit));
    assert.equal(audit.body.error.field, 'role');
    const r = await fetchFromPage(page, '/api/implant/program/review', { serial: demo.connected.serial, implant: demo.connected.address(),
      drug: demo.connected.drug, concentration: demo.connected.concentration, unit: demo.connected.unit, mode: 'continuous', dose: demo.connected.newDose }, true);
    assert.equal(r.status, 403, JSON.stringify(r));
    assert.equal(r.body.error.field, 'role');
    await page.context().close();
  });
});

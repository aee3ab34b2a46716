// The dashboard in a real browser (Debian's chromium, headless, driven by playwright-core)
// against a real `itdd clinic serve` on a filled demo database and a virtual implant
// (`itdd implant serve`), both on ephemeral loopback ports. One server and one browser for
// the whole file (the steps are cheap; starting them is not), a screenshot of each step kept
// under ITDD_WEB_ARTIFACTS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { browser, env, itdd, pixelsOfColour, removeDir, serve, shot, stop, workDir } from './harness.mjs';
import { fillDemo } from './demo.mjs';

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

async function logIn(who, page) {
  page ??= await chrome.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/#/login`);
  await page.getByLabel('User name').fill(who.user);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Clinic overview' }).waitFor();
  return page;
}

describe('the clinic dashboard', () => {
  test('a wrong password is refused beside the field; the right one opens the overview', async () => {
    const page = await chrome.newPage({ viewport: { width: 1280, height: 900 } });
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
    await page.close();
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
    await page.close();
  });

  test('a patient page shows the pump in the drug\'s units and draws its plots', async () => {
    const page = await logIn(CLINICIAN);
    await page.locator(`tr[data-serial="${demo.withHistory.serial}"] a`).first().click();
    await page.locator(`section.card[data-serial="${demo.withHistory.serial}"]`).waitFor();
    const card = await page.locator(`section.card[data-serial="${demo.withHistory.serial}"]`).innerText();
    assert.match(card, new RegExp(`${demo.withHistory.drug}`));
    assert.match(card, /mcg\/mL|mg\/mL/);
    await page.locator('#plot-hourly canvas').waitFor();
    // The data, not only the axes: the series' own colours are on the canvases.
    assert.ok(await pixelsOfColour(page, '#plot-hourly canvas', [11, 92, 173]) > 100, 'hourly delivery drawn');
    assert.ok(await pixelsOfColour(page, '#plot-reservoir canvas', [87, 96, 106]) > 100, 'predicted reservoir drawn');
    assert.ok(await pixelsOfColour(page, '#plot-prescription canvas', [90, 45, 130]) > 50, 'prescription steps drawn');
    await shot(page, 'patient');
    // Zoom in: every plot's time axis follows.
    const span = async (id) => page.$eval(id, (f) => Number(f.dataset.toS) - Number(f.dataset.fromS));
    const before = await span('#plot-daily');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    assert.ok(Math.abs((await span('#plot-daily')) / before - 0.25) < 0.01, 'zoomed to a quarter');
    assert.equal(await span('#plot-reservoir'), await span('#plot-daily'), 'the plots share one time range');
    await shot(page, 'patient-zoomed');
    await page.close();
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
    assert.match(review, new RegExp(`${demo.connected.newDose} ${demo.connected.unit}/day`));
    assert.match(review, /Rate: .*mL\/day/);
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
    await page.close();
  });

  test('a dose over the hard limit is refused, with the limit named beside the dose', async () => {
    const page = await logIn(CLINICIAN);
    await openImplant(page);
    const program = page.locator('#action-program');
    await program.getByLabel('Drug').selectOption(demo.connected.drug);
    await program.getByLabel('Concentration').fill(demo.connected.concentration);
    await program.getByLabel('Dose per day').fill(demo.connected.overHardLimit);
    await program.getByRole('button', { name: 'Review' }).click();
    const error = program.locator('[data-field="dose"] .field-error');
    await error.filter({ hasText: /hard limit/ }).waitFor();
    assert.equal(await program.locator('.side-by-side').count(), 0, 'nothing to confirm');
    await shot(page, 'program-hard-limit');
    await page.close();
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
    await refill.getByText(/Discrepancy:/).waitFor();
    await refill.getByLabel(/I have checked the review/).check();
    await refill.getByRole('button', { name: 'Record the refill' }).click();
    await refill.locator('[data-field="acknowledge"] .field-error').filter({ hasText: /Acknowledge/ }).waitFor();
    assert.equal(await refill.locator('[data-outcome]').count(), 0, 'nothing sent');
    await shot(page, 'refill-stopped');
    // The server holds the same rule: a confirmation without the acknowledgement is refused.
    const token = await page.evaluate(() => window.__itddLastReview?.refill);
    assert.ok(token, 'the review gave a token');
    const bare = await fetchFromPage(page, '/api/implant/refill/confirm', { review_token: token, confirm: true }, true);
    assert.equal(bare.status, 400, JSON.stringify(bare));
    assert.equal(bare.body.error.field, 'acknowledge');
    await refill.getByLabel(/Acknowledge the discrepancy/).fill('aspirated again: no pocket fill; patient well');
    if (await refill.getByLabel('Bridge bolus').count()) await refill.getByLabel('Bridge bolus').selectOption('no');
    await refill.getByRole('button', { name: 'Record the refill' }).click();
    await refill.locator('[data-outcome="done"]').waitFor({ timeout: 30_000 });
    assert.match(await refill.locator('.review').innerText(), /Next refill/);
    await shot(page, 'refill-acknowledged');
    await page.close();
  });

  test('a state-changing request without the CSRF token, or with a wrong one, is refused', async () => {
    const page = await logIn(CLINICIAN);
    const body = { serial: demo.connected.serial, implant: demo.connected.address(), drug: demo.connected.drug,
      concentration: demo.connected.concentration, unit: demo.connected.unit, mode: 'continuous', dose: demo.connected.newDose };
    for (const csrf of [false, 'forged-token']) {
      const r = await fetchFromPage(page, '/api/implant/program/review', body, csrf);
      assert.equal(r.status, 403, JSON.stringify(r));
      assert.equal(r.body.error.field, 'csrf');
    }
    const logout = await fetchFromPage(page, '/api/logout', {}, false);
    assert.equal(logout.status, 403);
    // Still logged in: the refused logout did nothing.
    await page.reload();
    await page.getByRole('heading', { name: 'Clinic overview' }).waitFor();
    await page.close();
  });

  test('a staff account may look but not program', async () => {
    const page = await logIn(STAFF);
    await openImplant(page);
    await page.getByText(/Your role \(staff\) may view/).waitFor();
    assert.equal(await page.locator('#action-program').getByRole('button', { name: 'Review' }).isDisabled(), true);
    await shot(page, 'staff-cannot-program');
    const r = await fetchFromPage(page, '/api/implant/program/review', { serial: demo.connected.serial, implant: demo.connected.address(),
      drug: demo.connected.drug, concentration: demo.connected.concentration, unit: demo.connected.unit, mode: 'continuous', dose: demo.connected.newDose }, true);
    assert.equal(r.status, 403, JSON.stringify(r));
    assert.equal(r.body.error.field, 'role');
    await page.close();
  });
});

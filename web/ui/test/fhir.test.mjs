// The FHIR export end to end: the browser tests' demo clinic (made through the real command line,
// test/demo.mjs) with the baclofen pump's event log and delivery history uploaded, every patient
// exported with `itdd clinic export --fhir`, and each bundle checked against HL7's FHIR R4 JSON
// schema and for references that do not resolve (test/fhir-check.mjs; the schema compiled once
// for the whole file). Then the checks are shown to bite on broken resources, and bad input is
// refused leaving no file behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { env, itdd, removeDir, workDir } from './harness.mjs';
import { fillDemo } from './demo.mjs';
import { bundleProblems, loadSchemaValidator } from './fhir-check.mjs';

let dir;
let demo;
let validate;
const bundles = new Map(); // MRN -> { file, text, bundle }

// `itdd ARGS` whatever its exit status: { code, stdout, stderr }.
async function run(args) {
  try {
    const { stdout, stderr } = await promisify(execFile)(env.itdd, args, { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const resources = (bundle, type) => bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === type);

before(async () => {
  dir = workDir();
  demo = await fillDemo(dir);
  await demo.stop();
  await itdd(['clinic', '--db', demo.db, 'upload', ...demo.withHistory.uploads]);
  validate = loadSchemaValidator();
  const patients = JSON.parse(await itdd(['clinic', '--db', demo.db, 'patient', 'list', '--json']));
  for (const p of patients) {
    const file = join(dir, `${p.mrn}.fhir.json`);
    await itdd(['clinic', '--db', demo.db, 'export', '--fhir', '--patient', p.mrn, '--out', file]);
    const text = readFileSync(file, 'utf8');
    bundles.set(p.mrn, { file, text, bundle: JSON.parse(text) });
  }
});

after(() => removeDir(dir));

describe('the FHIR R4 export', () => {
  test('every demo patient\'s bundle is valid FHIR R4 and every reference resolves in it', () => {
    assert.equal(bundles.size, 4); // three programmable pumps' patients and the fixed-rate one (demo.mjs)
    for (const [mrn, { bundle }] of bundles) {
      assert.deepEqual(bundleProblems(validate, bundle), [], `patient ${mrn}`);
    }
  });

  test('the baclofen patient\'s bundle holds the pump, its program, refills, delivery and sessions', () => {
    const { bundle } = bundles.get(demo.withHistory.mrn);
    const pump = resources(bundle, 'Device').find((d) => d.serialNumber === demo.withHistory.serial);
    assert.ok(pump, 'the pump is a Device');
    const catheter = resources(bundle, 'Device').find((d) => d.parent?.reference === `urn:uuid:${pump.id}`);
    assert.ok(catheter, 'the catheter is a Device whose parent is the pump');
    const requests = resources(bundle, 'MedicationRequest');
    assert.ok(requests.length >= 1);
    const latest = requests.at(-1);
    assert.equal(latest.status, 'active');
    const dose = latest.dosageInstruction[0];
    assert.equal(dose.route.coding[0].code, '72607000');
    assert.deepEqual(dose.doseAndRate[0].rateQuantity, { value: 100, unit: 'ug/d', system: 'http://unitsofmeasure.org', code: 'ug/d' });
    assert.equal(dose.doseAndRate[1].rateQuantity.value, 0.2); // 100 ug/day at 500 ug/mL
    assert.equal(dose.doseAndRate[1].rateQuantity.code, 'mL/d');
    const days = resources(bundle, 'MedicationAdministration');
    assert.ok(days.length >= 30, `a month of delivery per day (${days.length})`);
    // A whole day at 100 ug/day of 500 ug/mL is 0.2 mL. The month ran before the first refill
    // recorded here (the implant was advanced, then its clock set back), so its concentration is
    // not known to the clinic and each day says so rather than guess a dose.
    assert.ok(days.filter((d) => d.dosage.rateQuantity.value === 0.2 && d.dosage.rateQuantity.code === 'mL/d').length >= 28);
    for (const d of days) {
      if (!d.dosage.dose) assert.match(d.dosage.text, /concentration is not known/);
    }
    const refills = resources(bundle, 'Procedure').filter((p) => /Refill/.test(p.code.text));
    assert.equal(refills.length, 2);
    assert.ok(resources(bundle, 'Procedure').some((p) => /Implantation/.test(p.code.text)));
    const reservoir = resources(bundle, 'Observation').filter((o) => /reservoir/.test(o.code.text));
    assert.equal(reservoir.length, 2);
    assert.ok(resources(bundle, 'AuditEvent').length >= 3, 'a session for each refill and the program');
    assert.equal(resources(bundle, 'Patient')[0].identifier[0].value, demo.withHistory.mrn);
  });

  test('the same database gives the same bytes, on stdout as in the file', async () => {
    const { text } = bundles.get(demo.morphineDue30.mrn);
    const again = await itdd(['clinic', '--db', demo.db, 'export', '--fhir', '--patient', demo.morphineDue30.mrn]);
    assert.equal(again, text);
  });

  test('the checks bite: broken resources fail the schema, a dangling reference is found', () => {
    const { text } = bundles.get(demo.withHistory.mrn);
    const broken = (change) => {
      const b = JSON.parse(text);
      change(b);
      return bundleProblems(validate, b);
    };
    const deviceAt = (b) => b.entry.findIndex((e) => e.resource.resourceType === 'Device');
    const requestAt = (b) => b.entry.findIndex((e) => e.resource.resourceType === 'MedicationRequest');
    // A status outside Device's codes.
    const status = broken((b) => { b.entry[deviceAt(b)].resource.status = 'implanted'; });
    assert.ok(status.some((p) => new RegExp(`/entry/${deviceAt(JSON.parse(text))}/resource/status`).test(p)), status.join('\n'));
    // A MedicationRequest without its subject (required).
    assert.ok(broken((b) => { delete b.entry[requestAt(b)].resource.subject; }).some((p) => /subject/.test(p)));
    // A dose rate as text, not a number.
    assert.ok(broken((b) => {
      b.entry[requestAt(b)].resource.dosageInstruction[0].doseAndRate[0].rateQuantity.value = '100';
    }).some((p) => /value must be number/.test(p)));
    // A property FHIR does not have, and a resource type it does not have.
    assert.ok(broken((b) => { b.entry[0].resource.favouriteColour = 'blue'; }).some((p) => /additional properties/.test(p)));
    assert.ok(broken((b) => { b.entry[0].resource.resourceType = 'Project'; }).some((p) => /not a FHIR R4 resource type/.test(p)));
    // A reference to nothing in the bundle.
    const dangling = broken((b) => { b.entry[deviceAt(b)].resource.patient.reference = 'urn:uuid:00000000-0000-8000-8000-000000000000'; });
    assert.ok(dangling.some((p) => /does not resolve in the bundle/.test(p)), dangling.join('\n'));
  });

  test('an unknown patient or a path that cannot be written: a clear error, exit 2, no file', async () => {
    const kept = join(dir, 'kept.json');
    writeFileSync(kept, 'an earlier export\n');
    const unknown = await run(['clinic', '--db', demo.db, 'export', '--fhir', '--patient', 'MRN-NOBODY', '--out', kept]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--patient: no patient with MRN 'MRN-NOBODY'.*clinic patient list/);
    assert.equal(readFileSync(kept, 'utf8'), 'an earlier export\n', 'the file named is left as it was');
    const missing = join(dir, 'no-such-folder', 'x.json');
    const nofolder = await run(['clinic', '--db', demo.db, 'export', '--fhir', '--patient', demo.withHistory.mrn, '--out', missing]);
    assert.equal(nofolder.code, 2);
    assert.match(nofolder.stderr, /--out .*no-such-folder.*does not exist/);
    assert.equal(existsSync(missing), false);
    const folder = await run(['clinic', '--db', demo.db, 'export', '--fhir', '--patient', demo.withHistory.mrn, '--out', dir]);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /is a folder: name a file/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.itdd-export-')), [], 'no temporary file left');
    const noformat = await run(['clinic', '--db', demo.db, 'export', '--patient', demo.withHistory.mrn]);
    assert.notEqual(noformat.code, 0);
    assert.match(noformat.stderr, /--fhir/);
  });
});

// A demo clinic to look at: fills a clinic database through the command line (virtual implants,
// refills, programs, uploads: test/demo.mjs), adds a clinician account, starts
// `itdd clinic serve` on it and a virtual implant to connect to, and prints where to go.
// Ctrl-C stops both and removes the demo's folder.
//   node web/ui/demo-clinic.mjs [--listen 127.0.0.1:8080] [--screenshot FILE.png]
// (from the repository root, after `cmake --build --preset release`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillDemo } from './test/demo.mjs';
import { browser, env, itdd, removeDir, serve, stop, workDir } from './test/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const listen = arg('--listen', '127.0.0.1:8080');
const screenshot = arg('--screenshot', null);
const USER = 'dr.ward';
const PASSWORD = 'demo passphrase';

const dir = workDir();
const demo = await fillDemo(dir, { more: true });
const pw = join(dir, 'password');
writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
await itdd(['clinic', '--db', demo.db, 'user', 'add', '--user', USER, '--role', 'clinician', '--password-file', pw]);
const server = await serve(['clinic', 'serve', '--db', demo.db, '--listen', listen, '--ui', env.ui, '--key', demo.clinicKey], 'clinic-serve', dir);
const base = `http://${server.address}`;

if (screenshot) {
  const chrome = await browser();
  const page = await chrome.newPage({ viewport: { width: 1280, height: 640 } });
  await page.goto(`${base}/#/login`);
  await page.getByLabel('User name').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#overview-table tbody tr').first().waitFor();
  await page.screenshot({ path: screenshot });
  await chrome.close();
  console.log(`screenshot of the overview: ${screenshot}`);
  await stop(server);
  await demo.stop();
  removeDir(dir);
  process.exit(0);
}

console.log(`The demo clinic is served at ${base}/ : log in as ${USER}, password "${PASSWORD}".`);
console.log(`A virtual implant for pump ${demo.connected.serial} listens on ${demo.connected.address()}:`);
console.log(`  ${base}/#/implant?serial=${demo.connected.serial}&implant=${demo.connected.address()}`);
console.log(`(database ${demo.db}; Ctrl-C stops everything and removes ${dir})`);
const quit = async () => {
  await stop(server);
  await demo.stop();
  removeDir(dir);
  process.exit(0);
};
process.on('SIGINT', quit);
process.on('SIGTERM', quit);

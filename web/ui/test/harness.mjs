// What the browser tests need around the page: real `itdd` processes on ephemeral loopback
// ports (a virtual implant, the clinic's server on a filled demo database), Debian's chromium
// driven by playwright-core, and a folder for the screenshots of each step (kept as artifacts).
import { spawn, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);

export const env = {
  itdd: process.env.ITDD_BIN ?? 'build/release/apps/itdd',
  ui: process.env.ITDD_UI_DIST ?? 'build/release/web/ui/dist',
  artifacts: process.env.ITDD_WEB_ARTIFACTS ?? join(tmpdir(), 'itdd-web-artifacts'),
  chromium: process.env.ITDD_CHROMIUM ?? '/usr/bin/chromium',
};

// Runs `itdd ARGS` to its end; rejects with its output when it fails.
export async function itdd(args, opts = {}) {
  try {
    const { stdout } = await run(env.itdd, args, { timeout: 60_000, maxBuffer: 64 << 20, ...opts });
    return stdout;
  } catch (e) {
    throw new Error(`itdd ${args.join(' ')} failed (${e.code}): ${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

// Starts `itdd ARGS` in the background and waits for the line `listening on HOST:PORT`.
export function serve(args, logName, dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(env.itdd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${logName} did not say where it listens within 30 s:\n${out}`));
    }, 30_000);
    const seen = (chunk) => {
      out += chunk;
      const m = /listening on (\S+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: m[1], output: () => out });
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => {
      clearTimeout(timer);
      writeFileSync(join(env.artifacts, `${logName}.log`), out);
      reject(new Error(`${logName} exited (${code}) before listening:\n${out}`));
    });
  });
}

export function stop(proc) {
  if (!proc || proc.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.child.once('exit', resolve);
    proc.child.kill('SIGTERM');
    setTimeout(() => proc.child.kill('SIGKILL'), 3000).unref();
  });
}

// A fresh working folder; the artifacts folder emptied of an earlier run's screenshots.
export function workDir() {
  mkdirSync(env.artifacts, { recursive: true });
  for (const f of readdirSync(env.artifacts)) if (/\.(png|log)$/.test(f)) rmSync(join(env.artifacts, f));
  return mkdtempSync(join(tmpdir(), 'itdd-web-'));
}

export function removeDir(dir) {
  if (dir && !process.env.ITDD_KEEP_WORK) rmSync(dir, { recursive: true, force: true });
}

export async function browser() {
  return chromium.launch({ executablePath: env.chromium, args: ['--no-sandbox', '--disable-gpu'] });
}

// A screenshot of the step, numbered in the order taken: ARTIFACTS/NN-name.png.
let shots = 0;
export async function shot(page, name) {
  shots += 1;
  const file = join(env.artifacts, `${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// How many pixels of a plot's canvas have a series' colour (axes and grid are drawn in other
// colours, so a plot whose data did not draw counts 0).
export async function pixelsOfColour(page, selector, [r, g, b]) {
  return page.$eval(
    selector,
    (canvas, rgb) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - rgb[0]) < 8 && Math.abs(data[i + 1] - rgb[1]) < 8 && Math.abs(data[i + 2] - rgb[2]) < 8 && data[i + 3] > 200) n += 1;
      }
      return n;
    },
    [r, g, b],
  );
}

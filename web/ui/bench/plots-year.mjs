// Benchmark: the patient page's plots with a year of hourly points (8,760 per series) in
// headless chromium: the time to draw all five plots and the median time of a zoom and a pan
// (every plot redrawn). A figure to read, not a limit: nothing here fails on a slow machine.
//   node bench/plots-year.mjs [--runs N]
import * as esbuild from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const at = process.argv.indexOf('--runs');
const runs = at > 0 ? Number(process.argv[at + 1]) : 5;
const dir = mkdtempSync(join(tmpdir(), 'itdd-plots-bench-'));
await esbuild.build({ entryPoints: [join(here, 'plots-year.ts')], bundle: true, minify: true, outfile: join(dir, 'bench.js'), logLevel: 'error' });
const css = readFileSync(join(here, '../node_modules/uplot/dist/uPlot.min.css'), 'utf8') + readFileSync(join(here, '../src/app.css'), 'utf8');
writeFileSync(join(dir, 'index.html'), `<!doctype html><html><head><style>${css}</style></head><body><main><section id="plots" style="width:1200px"></section></main><script src="bench.js"></script></body></html>`);
const browser = await chromium.launch({ executablePath: process.env.ITDD_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const results = [];
try {
  for (let i = 0; i < runs; i += 1) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    await page.waitForFunction(() => window.benchResult);
    results.push(await page.evaluate(() => window.benchResult));
    await page.close();
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
const med = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
console.log(`plots of a year of hourly points (${results[0].points} per series), median of ${runs} runs:`);
console.log(`  draw all five plots   ${med('draw_ms').toFixed(1)} ms`);
console.log(`  zoom (all redrawn)    ${med('zoom_median_ms').toFixed(1)} ms`);
console.log(`  pan (all redrawn)     ${med('pan_median_ms').toFixed(1)} ms`);

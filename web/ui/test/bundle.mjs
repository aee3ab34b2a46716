// Bundles one TypeScript module of src/ (and what it imports) into a temporary ES module that
// node can import, for the tests of the page's pure functions.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function importTs(entry) {
  const dir = mkdtempSync(join(tmpdir(), 'itdd-ui-unit-'));
  const out = join(dir, 'module.mjs');
  await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error' });
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

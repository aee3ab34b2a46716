// Builds the dashboard into one folder the server serves as it is: index.html, app.js (the
// TypeScript and uPlot, bundled and minified by esbuild) and app.css. No network at run time.
//   node build.mjs [--outdir DIR]      (default: dist/)
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : join(here, 'dist');
mkdirSync(outdir, { recursive: true });

await esbuild.build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ['chrome110', 'firefox110', 'safari16'],
  outfile: join(outdir, 'app.js'),
  logLevel: 'warning',
});
// uPlot's stylesheet first, ours after it so ours wins.
const css =
  readFileSync(join(here, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8') +
  '\n' +
  readFileSync(join(here, 'src/app.css'), 'utf8');
writeFileSync(join(outdir, 'app.css'), css);
copyFileSync(join(here, 'src/index.html'), join(outdir, 'index.html'));

// bundle-size.mjs: the initial JavaScript of the built console (the entry
// script of dist/index.html and the modules it preloads), gzipped, against
// the budget: what a first visit downloads before anything is drawn. Lazy
// chunks (screens, the chart, OIDC) are listed apart and not counted.
// Usage: node scripts/bundle-size.mjs [budgetKB=250]
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const budget = Number(process.argv[2] ?? 250) * 1024;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g)].map((m) => m[1]);
if (initial.length === 0) {
  console.error('bundle-size: no script found in dist/index.html; build first (npm run build)');
  process.exit(1);
}
const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let total = 0;
for (const f of initial) {
  const n = gz(f);
  total += n;
  console.log(`initial  ${kb(n).padStart(9)}  ${f}`);
}
const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && !initial.includes(`assets/${f}`));
const lazyTotal = lazy.reduce((s, f) => s + gz(`assets/${f}`), 0);
console.log(`lazy     ${kb(lazyTotal).padStart(9)}  (${lazy.length} chunks loaded on demand)`);
console.log(`initial JS: ${kb(total)} gzipped; budget ${kb(budget)}`);
if (total > budget) {
  console.error('bundle-size: over budget');
  process.exit(1);
}

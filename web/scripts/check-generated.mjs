// check-generated.mjs: fails when src/api/schema.d.ts is not what
// openapi-typescript makes of shared/adapters/httpapi/openapi.yaml now, so that the
// client's types never drift from the API they call. Fix: npm run gen.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'schema-'));
try {
  const out = join(dir, 'schema.d.ts');
  execFileSync(join(root, 'node_modules/.bin/openapi-typescript'), ['../shared/adapters/httpapi/openapi.yaml', '--default-non-nullable', 'false', '-o', out], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const want = readFileSync(out, 'utf8');
  const have = readFileSync(join(root, 'src/api/schema.d.ts'), 'utf8');
  if (want !== have) {
    console.error('src/api/schema.d.ts is out of date with shared/adapters/httpapi/openapi.yaml: run `npm run gen` in web/ and commit it');
    process.exit(1);
  }
  console.log('src/api/schema.d.ts matches shared/adapters/httpapi/openapi.yaml');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

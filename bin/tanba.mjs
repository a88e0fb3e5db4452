#!/usr/bin/env node
/**
 * The `tanba` command (package.json "bin").
 *
 * - Installed package (`npm install tanba`, the packed tarball): runs the compiled CLI in dist/.
 * - Checkout (src/ is there): runs the TypeScript sources through tsx, in this process, so
 *   `npx tanba …` works right after `npm ci`, without a build, and never runs a stale dist/.
 *   Without tsx (e.g. `npm ci --omit=dev`) it falls back to dist/ when a build is there.
 *
 * `npx tanba` finds this file in a checkout through the devDependency `"tanba": "file:."`, which
 * makes `npm ci` link it as node_modules/.bin/tanba (npm does not link a project's own bin).
 */
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const source = new URL('src/cli/main.ts', root);
const built = new URL('dist/src/cli/main.js', root);

function tsxApi() {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
}

const api = existsSync(source) ? tsxApi() : null;
if (api) {
  const { register } = await import(api);
  register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    existsSync(source)
      ? 'tanba: this checkout has neither tsx (run `npm ci`) nor a build (run `npm run build`).\n'
      : 'tanba: dist/ is missing from this installation: reinstall the package (it is built when packed).\n',
  );
  process.exitCode = 1;
}

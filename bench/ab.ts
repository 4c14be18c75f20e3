/**
 * Compares the per-call cost of this build of the library with another build (a checkout of another commit,
 * built), both loaded in this one process. The suites compare contenders across rounds that minutes of machine
 * drift separate; here every round measures A and then B (or B then A, alternating) on the same warm process, so
 * a change of 1–2% per call shows where the `per-call` suite (±0.03–0.05 of a ratio) cannot see it.
 *
 *   git worktree add --detach ../base <commit> && ln -s "$PWD/node_modules" ../base/ && (cd ../base && npx tsc -p .)
 *   npm run build && node dist/bench/ab.js ../base [--rounds=40] [--ops=8000] [--shapes=node,workflow,provider]
 *
 * Both builds share one tracer provider (batch processor, an exporter that drops spans); each has its own
 * `TracingModule` and engine (the two copies of the library are separate module instances). The build loaded
 * second runs 1–2% slower than an identical copy loaded first, so two child processes run, one in each load
 * order, and their per-round ratios are pooled. Prints B ÷ A (B is this build) per shape: the median of the
 * per-round ratios of CPU ns per call, its MAD and whether it lies outside the spread. Against a copy of the
 * same build (A/A) it gives 1.00 ±0.01 on a 2-core machine.
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureCalls } from './support/call-timing.js';
import { pairedRatio, median, round } from './support/stats.js';

type Shape = 'node' | 'workflow' | 'provider';

interface Build {
  setup: typeof import('./support/tracing-setup.js');
  runtime: typeof import('../lib/core/runtime.js');
  contenders: typeof import('./suites/contenders.js');
}

interface Side {
  install: () => void;
  close: () => Promise<void>;
  ops: Record<Shape, () => Promise<unknown>>;
}

type Samples = Record<Shape, { first: number[]; second: number[] }>;

const SHAPES: readonly Shape[] = ['node', 'workflow', 'provider'];
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rounds = Number(option('rounds', '40'));
const ops = Number(option('ops', '8000'));
const shapes = option('shapes', SHAPES.join(',')).split(',') as Shape[];
for (const shape of shapes) if (!SHAPES.includes(shape)) throw new Error(`--shapes: ${shape} is not one of ${SHAPES.join(', ')}`);
for (const [name, value] of [['rounds', rounds], ['ops', ops]] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}=${option(name, '')}: expected a positive integer`);
}

async function load(root: string): Promise<Build> {
  const from = (path: string) => import(pathToFileURL(resolve(root, path)).href);
  return {
    setup: await from('dist/bench/support/tracing-setup.js'),
    runtime: await from('dist/lib/core/runtime.js'),
    contenders: await from('dist/bench/suites/contenders.js'),
  };
}

async function start(build: Build): Promise<Side> {
  const app = await build.setup.startTracingApp({ serviceName: 'bench' });
  const { NodeService, WorkflowService, LlmService, REQUEST } = build.contenders;
  const nodes = new NodeService();
  const flows = new WorkflowService(nodes);
  const llm = new LlmService();
  return {
    install: () => build.runtime.installRuntime(app.runtime),
    close: () => app.app.close(),
    ops: { node: () => nodes.step(REQUEST), workflow: () => flows.run(REQUEST), provider: () => llm.complete(REQUEST) },
  };
}

/** In a child: loads `roots[0]` then `roots[1]`, measures both in alternating order, sends the samples. */
async function measureBoth(roots: [string, string]): Promise<Samples> {
  const first = await load(roots[0]);
  const second = await load(roots[1]);
  const { DropSpanExporter } = await import('./support/drop.exporter.js');
  const provider = first.setup.sharedProvider(new DropSpanExporter());
  first.setup.useGlobalProvider(provider);
  const sides = [await start(first), await start(second)] as const;
  const measure = async (side: Side, shape: Shape): Promise<number> => {
    side.install();
    const op = side.ops[shape];
    // A workflow call is 4 spans: a quarter as many calls.
    const { cpu } = await measureCalls(op, shape === 'workflow' ? Math.ceil(ops / 4) : ops);
    await provider.forceFlush();
    return cpu;
  };
  const samples = Object.fromEntries(shapes.map((shape) => [shape, { first: [], second: [] }])) as unknown as Samples;
  // The first 3 rounds warm both up and are not kept; which side runs first alternates.
  for (let r = -3; r < rounds; r++) {
    for (const shape of shapes) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const ns = [0, 0];
      for (const i of order) ns[i] = await measure(sides[i]!, shape);
      if (r < 0) continue;
      samples[shape].first.push(ns[0]!);
      samples[shape].second.push(ns[1]!);
    }
  }
  await Promise.all(sides.map((side) => side.close()));
  return samples;
}

/** Runs `measureBoth` in a child process of its own (so each load order starts from a fresh process). */
function child(roots: [string, string]): Promise<Samples> {
  return new Promise((resolvePromise, reject) => {
    const proc = fork(process.argv[1]!, [...args, `--load=${roots.join(',')}`], { execArgv: process.execArgv });
    let result: Samples | undefined;
    proc.on('message', (message) => (result = message as Samples));
    proc.on('error', reject);
    proc.on('exit', (code) => (result ? resolvePromise(result) : reject(new Error(`ab child for ${roots.join(' then ')} exited with code ${code}`))));
  });
}

const loadOption = args.find((a) => a.startsWith('--load='));
if (loadOption) {
  process.send!(await measureBoth(loadOption.slice('--load='.length).split(',') as [string, string]));
} else {
  const other = args.find((a) => !a.startsWith('--'));
  if (!other) throw new Error('usage: node dist/bench/ab.js <other built checkout> [--rounds=40] [--ops=8000] [--shapes=node,workflow,provider]');
  const a = resolve(other);
  const b = resolve(import.meta.dirname, '../..');
  const otherFirst = await child([a, b]);
  const thisFirst = await child([b, a]);
  console.log(`B (${b}) ÷ A (${a}), CPU ns per call; ${rounds} rounds of ${ops} spans per build and shape, in each load order`);
  for (const shape of shapes) {
    const bNs = [...otherFirst[shape].second, ...thisFirst[shape].first];
    const aNs = [...otherFirst[shape].first, ...thisFirst[shape].second];
    const vs = pairedRatio(bNs, aNs);
    const verdict = vs.verdict === 'within' ? 'within spread' : vs.verdict;
    console.log(`${shape.padEnd(9)} B ÷ A ${vs.ratio.toFixed(3)} ±${vs.mad.toFixed(3)} (${verdict})   A ${round(median(aNs), 0)} ns   B ${round(median(bNs), 0)} ns`);
  }
}

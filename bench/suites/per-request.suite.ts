import autocannon, { type AutocannonResult } from 'autocannon';
import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext } from '../run.js';
import { startChild, type ChildHandle } from '../support/child-process.js';
import { costIncrease, profileCost, type CostLine } from '../support/cpu-profile.js';
import { pin, pinningPlan } from '../support/cpu-pinning.js';
import { median, pairedRatio, relativeSpread, round, rotate, withSpread, type PairedRatio } from '../support/stats.js';
import { printTable } from '../support/table.js';
import type { AppInput, Scenario } from './per-request.app.js';

interface ScenarioSetup {
  id: Scenario;
  label: string;
  preload: boolean;
}

const SCENARIOS: ScenarioSetup[] = [
  { id: 'none', label: '(a) no tracing', preload: false },
  { id: 'hand-written', label: '(f) floor: hand-written OTel -> OTLP', preload: false },
  { id: 'tracing-module', label: '(b) TracingModule -> OTLP', preload: false },
  { id: 'auto-instrumentation', label: '(c) OTel auto-instrumentation -> OTLP', preload: true },
  { id: 'both', label: '(d) both', preload: true },
];

/** `--diagnose`: what (b) is made of. */
const DIAGNOSTICS: ScenarioSetup[] = [
  { id: 'context-manager-only', label: 'diag: OTel context manager only', preload: false },
  { id: 'raw-otel-no-export', label: 'diag: hand-written OTel span, no export', preload: false },
  { id: 'noop-interceptor', label: 'diag: 1 no-op global interceptor', preload: false },
  { id: 'tracing-module-no-interceptors', label: 'diag: TracingModule, http+ws off, no export', preload: false },
  { id: 'tracing-module-no-export', label: 'diag: TracingModule, no export', preload: false },
];

interface RunFigures {
  rps: number;
  /** Mean latency, ms (finer-grained than autocannon's whole-ms percentiles). */
  mean: number;
  p50: number;
  p99: number;
  requests: number;
  /** App process CPU (user + system) per request, µs. */
  cpuMicros: number;
  errors: number;
}

export interface PerRequestRow {
  id: Scenario;
  label: string;
  rps: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  /** Relative spread (MAD ÷ median) of the per-run figures. */
  cpuSpread: number;
  rpsSpread: number;
  /** App CPU per request and req/s against the hand-written floor (f), paired by round. */
  cpuVsFloor: PairedRatio;
  rpsVsFloor: PairedRatio;
  rpsRatio: number;
  meanRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  cpuRatio: number;
  spansPerRequest: number;
  spansByScope: Record<string, number>;
  /** Mean attributes and OTLP protobuf bytes per span, per scope: what each span costs to build and export. */
  spanWeight: Record<string, { attributesPerSpan: number; bytesPerSpan: number }>;
  errors: number;
  runs: RunFigures[];
  profile?: { totalMicrosPerRequest: number; packages: CostLine[]; functions: CostLine[]; library: CostLine[] };
}

interface SinkCounts {
  spans: number;
  /** Export requests received. */
  exports: number;
  byScope: Record<string, number>;
  weight: Record<string, { attributesPerSpan: number; bytesPerSpan: number }>;
}

interface Running extends ScenarioSetup {
  child: ChildHandle;
  url: string;
  requests: number;
  measuredRequests: number;
  errors: number;
  runs: RunFigures[];
}

/**
 * Suite 2: what tracing costs a request. One minimal Nest app per scenario (its own process; OTLP sinks in
 * another), hit by autocannon (this process) in turns: a, b, c, d, then b, c, d, a... so drift on a busy
 * machine hits every scenario alike; ratios are taken within each round, then the median. Besides req/s and
 * latency, each app reports the CPU it spent per request, the figure least disturbed by a shared machine.
 */
export async function runPerRequest(ctx: BenchContext): Promise<unknown> {
  const settings = ctx.quick
    ? { rounds: 1, duration: 1, warmup: 0.5, connections: 10 }
    : { rounds: ctx.diagnose ? 5 : 15, duration: 2, warmup: 3, connections: 10 };
  const pinning = pinningPlan();
  const scenarios = ctx.diagnose ? [...SCENARIOS, ...DIAGNOSTICS] : SCENARIOS;
  const preload = pathToFileURL(fileURLToPath(new URL('./auto-instrumentation.preload.js', import.meta.url))).href;
  const running: Running[] = [];
  const sinks = startChild(new URL('./otlp-sink.child.js', import.meta.url), { ids: scenarios.map((s) => s.id) }, {}, 'otlp sinks');
  let counts: Record<string, SinkCounts> = {};
  const profileDir = ctx.profileDir ? `${ctx.profileDir}/per-request` : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  // The load generator (autocannon, in this process) and the sinks on one core, the apps on the other.
  if (pinning) {
    pin(process.pid, pinning.load);
    pin(sinks.pid, pinning.load);
  }
  try {
    const urls = (await sinks.next('ready', 30_000)).urls as Record<string, string>;
    const children = scenarios.map((s) => {
      const input: AppInput = { scenario: s.id, otlpUrl: urls[s.id]! };
      const child = startChild(
        new URL('./per-request.app.js', import.meta.url),
        input,
        { execArgv: s.preload ? ['--import', preload] : [], env: { BENCH_OTLP_URL: input.otlpUrl } },
        `per-request ${s.id}`,
      );
      const r: Running = { ...s, child, url: '', requests: 0, measuredRequests: 0, errors: 0, runs: [] };
      running.push(r);
      return r;
    });
    // The apps boot side by side (startup is not measured).
    for (const r of children) r.url = `http://127.0.0.1:${Number((await r.child.next('ready', 60_000)).port)}/chat`;
    if (pinning) for (const r of children) pin(r.child.pid, pinning.app);
    const cpu = async (r: Running) => Number((await r.child.ask({ type: 'cpu' }, 'cpu')).micros);
    const hit = async (r: Running, seconds: number): Promise<AutocannonResult & { cpuMicros: number }> => {
      const before = await cpu(r);
      const result = await autocannon({ url: r.url, connections: settings.connections, duration: seconds });
      const cpuMicros = (await cpu(r)) - before;
      r.requests += result.requests.total;
      r.errors += result.errors + result.non2xx + result.timeouts;
      return { ...result, cpuMicros };
    };
    for (const r of running) await hit(r, settings.warmup);
    if (profileDir) for (const r of running) await r.child.ask({ type: 'profile-start' }, 'profiling');
    for (let round = 0; round < settings.rounds; round++) {
      for (const r of rotate(running, round)) {
        const result = await hit(r, settings.duration);
        r.measuredRequests += result.requests.total;
        r.runs.push({
          rps: result.requests.average,
          mean: result.latency.mean,
          p50: result.latency.p50,
          p99: result.latency.p99,
          requests: result.requests.total,
          cpuMicros: result.cpuMicros / Math.max(1, result.requests.total),
          errors: result.errors + result.timeouts + result.non2xx,
        });
      }
    }
    if (profileDir) {
      for (const r of running) await r.child.ask({ type: 'profile-stop', file: `${profileDir}/${r.id}.cpuprofile` }, 'profiled');
    }
    for (const r of running) await r.child.ask({ type: 'stop' }, 'stopped', 30_000);
    counts = (await sinks.ask({ type: 'count' }, 'counts', 30_000)).counts as Record<string, SinkCounts>;
  } finally {
    await Promise.all(running.map((r) => r.child.stop()));
    await sinks.stop();
    if (pinning) pin(process.pid, pinning.all);
  }

  const baseline = running[0]!;
  const floor = running.find((r) => r.id === 'hand-written')!;
  const cpuOf = (r: Running) => r.runs.map((f) => f.cpuMicros);
  const rpsOf = (r: Running) => r.runs.map((f) => f.rps);
  const ratio = (r: Running, pick: (f: RunFigures) => number) => round(median(r.runs.map((f, i) => pick(f) / pick(baseline.runs[i]!))), 3);
  const baseProfile = profileDir ? profileCost(`${profileDir}/none.cpuprofile`, baseline.measuredRequests) : undefined;
  const rows = running.map((r): PerRequestRow => {
    const row: PerRequestRow = {
      id: r.id,
      label: r.label,
      rps: round(median(r.runs.map((f) => f.rps)), 0),
      meanMs: round(median(r.runs.map((f) => f.mean)), 3),
      p50Ms: median(r.runs.map((f) => f.p50)),
      p99Ms: median(r.runs.map((f) => f.p99)),
      cpuMicrosPerRequest: round(median(r.runs.map((f) => f.cpuMicros)), 1),
      cpuSpread: round(relativeSpread(cpuOf(r)), 3),
      rpsSpread: round(relativeSpread(rpsOf(r)), 3),
      cpuVsFloor: pairedRatio(cpuOf(r), cpuOf(floor)),
      rpsVsFloor: pairedRatio(rpsOf(r), rpsOf(floor)),
      rpsRatio: ratio(r, (f) => f.rps),
      meanRatio: ratio(r, (f) => f.mean),
      p50Ratio: ratio(r, (f) => f.p50),
      p99Ratio: ratio(r, (f) => f.p99),
      cpuRatio: ratio(r, (f) => f.cpuMicros),
      spansPerRequest: round((counts[r.id]?.spans ?? 0) / Math.max(1, r.requests), 3),
      spansByScope: counts[r.id]?.byScope ?? {},
      spanWeight: counts[r.id]?.weight ?? {},
      errors: r.errors,
      runs: r.runs,
    };
    if (profileDir && baseProfile && r.id !== 'none') {
      const cost = profileCost(`${profileDir}/${r.id}.cpuprofile`, r.measuredRequests);
      row.profile = {
        totalMicrosPerRequest: round(cost.totalMicros, 1),
        packages: costIncrease(baseProfile.byPackage, cost.byPackage, 12),
        functions: costIncrease(baseProfile.byFunction, cost.byFunction, 25),
        library: costIncrease(baseProfile.byFunction, cost.byFunction, 1000)
          .filter((l) => / lib\//.test(l.name))
          .slice(0, 15),
      };
    }
    return row;
  });
  const ours = running.find((r) => r.id === 'tracing-module');
  const auto = running.find((r) => r.id === 'auto-instrumentation');
  const head2head = ours && auto ? pairedRatio(cpuOf(ours), cpuOf(auto)) : undefined;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  printTable(
    `per-request overhead (autocannon, ${settings.connections} connections, ${settings.rounds} x ${settings.duration} s per scenario, interleaved; ratios paired within each round, median ± MAD)`,
    ['scenario', 'app CPU µs/req', '±', 'x (a)', 'x floor (f)', 'vs (f)', 'req/s', '±', 'x (a)', 'x (f)', 'p50 ms', 'p99 ms', 'spans/req', 'errors'],
    rows.map((r) => [
      r.label,
      r.cpuMicrosPerRequest,
      pct(r.cpuSpread),
      r.cpuRatio,
      withSpread(r.cpuVsFloor.ratio, r.cpuVsFloor.mad),
      r.id === 'hand-written' ? '' : r.cpuVsFloor.verdict === 'within' ? 'within spread' : r.cpuVsFloor.verdict,
      r.rps,
      pct(r.rpsSpread),
      r.rpsRatio,
      r.rpsVsFloor.ratio,
      r.p50Ms,
      r.p99Ms,
      r.spansPerRequest,
      r.errors,
    ]),
    [
      'app CPU µs/req: user+system CPU of the app process per request (process.cpuUsage around each run), the headline figure',
      `vs (f): the band x floor ± 2 MAD lies wholly above/below 1 ("above"/"below"), or straddles it ("within spread")`,
      pinning ? `pinned: apps on core ${pinning.app}, autocannon and the OTLP sinks on ${pinning.load}` : 'not pinned (fewer than 2 cores, or no taskset)',
      ...(head2head
        ? [`(b) ÷ (c), app CPU: ${withSpread(head2head.ratio, head2head.mad)}, ${head2head.verdict === 'below' ? '(b) ahead beyond the spread' : head2head.verdict === 'above' ? '(c) ahead beyond the spread' : 'within spread'}`]
        : []),
      ...rows
        .filter((r) => r.spansPerRequest > 0 || SCENARIOS.some((s) => s.id === r.id))
        .map((r) => `${r.id}: spans by scope ${JSON.stringify(r.spansByScope)}`),
      ...rows
        .filter((r) => r.id === 'auto-instrumentation' && !('@opentelemetry/instrumentation-nestjs-core' in r.spansByScope))
        .map(() => '@opentelemetry/instrumentation-nestjs-core: enabled, 0 spans (it patches @nestjs/core < 12 only)'),
      // Per scenario: a scope's weight can differ from one scenario to another (merged, only the last one showed).
      ...rows
        .filter((r) => (counts[r.id]?.exports ?? 0) > 0)
        .map((r) => `${r.id}: ${Math.round(counts[r.id]!.spans / counts[r.id]!.exports)} spans per export request`),
      ...rows.flatMap((r) =>
        Object.entries(r.spanWeight).map(([scope, w]) => `${r.id}, ${scope}: ${w.attributesPerSpan} attributes, ${w.bytesPerSpan} bytes (OTLP protobuf) per span`),
      ),
    ],
  );
  for (const r of rows) {
    if (!r.profile) continue;
    printTable(
      `profile: ${r.label}, CPU µs/request by function, growth over (a) (total ${r.profile.totalMicrosPerRequest} vs ${round(baseProfile!.totalMicros, 1)})`,
      ['where', '(a)', 'this', '+µs'],
      [
        ...r.profile.packages.map((l) => [`[${l.name}]`, l.base, l.micros, l.delta]),
        ...r.profile.functions.map((l) => [l.name, l.base, l.micros, l.delta]),
        ...(r.profile.library.length ? [['-- this library, hottest functions', undefined, undefined, undefined]] : []),
        ...r.profile.library.map((l) => [l.name, l.base, l.micros, l.delta]),
      ],
    );
  }
  return { settings, pinning: pinning ?? null, tracingModuleVsAutoInstrumentationCpu: head2head, rows };
}

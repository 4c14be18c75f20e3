import { readFileSync } from 'node:fs';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** Busy CPU time of a profile, in µs per unit of work (e.g. per request), by function and by package. */
export interface ProfileCost {
  totalMicros: number;
  byFunction: Map<string, number>;
  byPackage: Map<string, number>;
}

/** One line of a profile comparison: µs per unit in the base run, in this run, and the difference. */
export interface CostLine {
  name: string;
  base: number;
  micros: number;
  delta: number;
}

/**
 * Reads a V8 `.cpuprofile` and spreads its busy samples (idle excluded: the app waiting for work is not a
 * cost) over `units`, by function (`name file:line`) and by where the code lives (this library's folder,
 * a package, node internals, V8).
 */
export function profileCost(file: string, units: number): ProfileCost {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const sampleMicros = (profile.endTime - profile.startTime) / Math.max(1, profile.samples?.length ?? 1);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalMicros = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    const micros = (hits * sampleMicros) / units;
    totalMicros += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  return { totalMicros, byFunction, byPackage };
}

/** The `top` lines that grew most from `base` to `run`. */
export function costIncrease(base: Map<string, number>, run: Map<string, number>, top: number): CostLine[] {
  const names = new Set([...base.keys(), ...run.keys()]);
  return [...names]
    .map((name) => {
      const b = base.get(name) ?? 0;
      const m = run.get(name) ?? 0;
      return { name, base: round1(b), micros: round1(m), delta: round1(m - b) };
    })
    .sort((x, y) => y.delta - x.delta)
    .slice(0, top);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const own = url.match(/\/((?:lib|bench\/suites|bench\/support)\/.*)$/);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName === '(garbage collector)' || functionName === '(program)' ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).replace(/^internal\//, '').split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const lib = url.match(/\/(lib(?:\/[^/]+)?)\/[^/]+$/);
  if (lib) return lib[1]!;
  return /\/bench\/(suites|support)\//.test(url) ? 'bench' : url;
}

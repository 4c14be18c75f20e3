import type { ParallelGroup, SpanNode, SpanRecord } from './trace-query.types.js';

/** Links spans to their parents; spans whose parent is not among them become roots. Children by start time. */
export function buildTree(spans: readonly SpanRecord[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, { ...span, children: [] });
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentSpanId === null ? undefined : nodes.get(node.parentSpanId);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  for (const node of nodes.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}

/** Every span of a tree, parents before children, without recursion (a chain of spans can be deep). */
export function flattenTree(roots: readonly SpanNode[]): SpanRecord[] {
  const out: SpanRecord[] = [];
  const stack = [...roots].reverse();
  for (let node = stack.pop(); node; node = stack.pop()) {
    out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return out;
}

/**
 * Start time, then end time: the SDK stamps start times with millisecond resolution, so a span that ran right
 * after a sibling often shares its start; the one that ended first started first.
 */
function byStart(a: SpanRecord, b: SpanRecord): number {
  return a.startMs - b.startMs || a.endMs - b.endMs || a.name.localeCompare(b.name);
}

/**
 * Overlap that counts as running in parallel. Start times have millisecond resolution (the SDK reads
 * `Date.now()` at start), so a span started right after its sibling ended can appear to overlap it by up to
 * 1 ms; shorter overlaps are not evidence of concurrency.
 */
export const MIN_PARALLEL_OVERLAP_MS = 1;

/**
 * Groups of siblings (same parent) whose time ranges overlap, transitively: a sweep over the children of each
 * parent sorted by start, where a span joins the current group if it starts at least
 * `MIN_PARALLEL_OVERLAP_MS` before the group's latest end.
 */
export function parallelGroups(spans: readonly SpanRecord[]): ParallelGroup[] {
  const names = new Map(spans.map((s) => [s.spanId, s.name]));
  const siblings = new Map<string | null, SpanRecord[]>();
  for (const span of spans) {
    const key = span.parentSpanId !== null && names.has(span.parentSpanId) ? span.parentSpanId : null;
    const list = siblings.get(key);
    if (list) list.push(span);
    else siblings.set(key, [span]);
  }
  const groups: ParallelGroup[] = [];
  for (const [parentSpanId, children] of siblings) {
    children.sort(byStart);
    let current: SpanRecord[] = [];
    let currentEnd = -Infinity;
    const close = () => {
      if (current.length > 1) groups.push(toGroup(parentSpanId, parentSpanId === null ? null : names.get(parentSpanId) ?? null, current));
    };
    for (const span of children) {
      if (span.startMs <= currentEnd - MIN_PARALLEL_OVERLAP_MS) {
        current.push(span);
        currentEnd = Math.max(currentEnd, span.endMs);
      } else {
        close();
        current = [span];
        currentEnd = span.endMs;
      }
    }
    close();
  }
  return groups.sort((a, b) => a.startMs - b.startMs);
}

function toGroup(parentSpanId: string | null, parentName: string | null, members: SpanRecord[]): ParallelGroup {
  // Loops, not Math.min(...spread): a group can hold more spans than a call takes arguments.
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const s of members) {
    if (s.startMs < startMs) startMs = s.startMs;
    if (s.endMs > endMs) endMs = s.endMs;
  }
  return {
    parentSpanId,
    parentName,
    startMs,
    endMs,
    wallMs: endMs - startMs,
    sequentialMs: members.reduce((sum, s) => sum + s.durationMs, 0),
    spans: members.map((s) => ({ spanId: s.spanId, name: s.name, startMs: s.startMs, endMs: s.endMs, durationMs: s.durationMs })),
  };
}

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AttributionAttributes,
  CostAttributes,
  GenAiAttributes,
  GenAiEvents,
  HttpAttributes,
  ProviderAttributes,
  WorkflowAttributes,
  type CostForecast,
  type CostReportRow,
} from 'nestjs-ai-tracing';
import type { DemoSession } from './demo-session.js';
import { durationMs, isError, millis, num, str, type SpanSet } from './span-queries.js';
import { attemptsOf, type TraceCheck } from './trace-checks.js';

/** Cost figures from `CostService`: running reports by user and by model, and a forecast. */
export interface DemoCosts {
  byUser: CostReportRow[];
  byModel: CostReportRow[];
  forecast: CostForecast;
}

/** The human-readable summary `npm run demo` prints. */
export function demoReport(set: SpanSet, session: DemoSession, checks: TraceCheck[], costs: DemoCosts): string {
  const out: string[] = [];
  out.push('', `Traces (${checks.length} expected, ${set.spans.length} spans in total)`);
  const traceRows: string[][] = [];
  for (const check of checks) {
    const root = set.roots(check.traceId)[0];
    const passed = check.problems.length === 0;
    traceRows.push([
      passed ? 'ok' : 'FAIL',
      check.traceId.slice(0, 8),
      root?.name ?? '(missing)',
      root ? (str(root, AttributionAttributes.USER_ID) ?? '-') : '-',
      String(set.trace(check.traceId).length),
      root ? `${durationMs(root).toFixed(0)} ms` : '-',
      usd(root && num(root, CostAttributes.TOTAL_USD)),
      check.label + (root && isError(root) ? ' (root span ERROR, as expected)' : ''),
    ]);
    for (const problem of check.problems) traceRows.push(['', '', `  -> ${problem}`]);
  }
  out.push(...table(['', 'trace', 'root span', 'user', 'spans', 'duration', 'cost', 'what'], traceRows));

  const first = session.workflowRuns[0];
  if (first) {
    out.push('', `One trace up close: ${first.user}'s run on ${first.documentId} (trace ${first.traceId})`);
    for (const root of set.roots(first.traceId)) out.push(...treeLines(set, root, '  '));
  }

  out.push(...llmDetails(set, session));

  out.push('', 'Workflow runs (cost rolled up on each workflow span)');
  const runRows = set.spans
    .filter((s) => s.name.startsWith('invoke_workflow '))
    .map((run) => [
      (str(run, WorkflowAttributes.JOB_ID) ?? '?').slice(0, 8),
      documentOf(session, run),
      str(run, AttributionAttributes.USER_ID) ?? '-',
      str(run, WorkflowAttributes.STATUS) ?? '?',
      String(set.children(run).filter((s) => s.name.startsWith('node ')).length),
      String(num(run, CostAttributes.LLM_CALLS) ?? 0),
      `${num(run, CostAttributes.INPUT_TOKENS) ?? 0}/${num(run, CostAttributes.OUTPUT_TOKENS) ?? 0}`,
      `${durationMs(run).toFixed(0)} ms`,
      usd(num(run, CostAttributes.TOTAL_USD)),
    ]);
  out.push(...table(['job', 'document', 'user', 'status', 'nodes', 'LLM calls', 'tokens in/out', 'duration', 'cost'], runRows));

  for (const [title, dimension, rows] of [['Cost by user', 'user', costs.byUser], ['Cost by model', 'model', costs.byModel]] as const) {
    out.push('', `${title} (CostService.report({ groupBy: ['${dimension}'] }))`);
    out.push(
      ...table(
        ['', 'calls', 'unpriced', 'tokens in/out', 'cost'],
        rows.map((r) => [r.key[dimension] ?? '(none)', String(r.calls), String(r.unpricedCalls), `${r.inputTokens}/${r.outputTokens}`, usd(r.totalUsd)]),
      ),
    );
  }
  const f = costs.forecast;
  out.push('', `Forecast (CostService.forecast): ${f.runs.toLocaleString('en-US')} more ${f.workflow} runs`);
  out.push(
    f.available
      ? `  expected ${usd(f.expectedUsd)}, p95 budget ${usd(f.p95Usd)} (from ${f.observedRuns} priced runs, mean ${usd(f.meanRunUsd)} per run)`
      : `  not available: ${f.reason}`,
  );
  return out.join('\n');
}

/** The retried call's attempts, the streamed chat as recorded, and the agent's scored answer. */
function llmDetails(set: SpanSet, session: DemoSession): string[] {
  const out: string[] = [];
  const retried = set.spans.find((s) => num(s, ProviderAttributes.ATTEMPTS) === 2);
  if (retried) {
    out.push('', `The retried call (${retried.name}, ${str(retried, ProviderAttributes.ATTEMPTS)} attempts through the traced fetch)`);
    out.push(
      ...table(
        ['', 'status', 'resend', 'provider code', 'x-ratelimit-remaining-requests', 'retry-after-ms'],
        attemptsOf(set, retried).map((a, i) => [
          `attempt ${i + 1}`,
          str(a, HttpAttributes.RESPONSE_STATUS_CODE) ?? '-',
          str(a, HttpAttributes.REQUEST_RESEND_COUNT) ?? '-',
          str(a, ProviderAttributes.ERROR_CODE) ?? '-',
          header(a, 'x-ratelimit-remaining-requests'),
          header(a, 'retry-after-ms'),
        ]),
      ),
    );
  }
  const chat = set.trace(session.chat.traceId).find((s) => str(s, GenAiAttributes.OUTPUT_MESSAGES));
  if (chat) {
    const [message] = JSON.parse(str(chat, GenAiAttributes.OUTPUT_MESSAGES)!) as Array<{ parts: Array<{ content?: string }>; finish_reason: string }>;
    const text = message?.parts[0]?.content ?? '';
    out.push('', `The streamed chat as recorded (${chat.name}, gen_ai.output.messages assembled from the chunks, finish ${message?.finish_reason}):`);
    out.push(`  "${text.length > 100 ? `${text.slice(0, 100)}...` : text}"`);
  }
  for (const span of set.trace(session.agentTask.traceId)) {
    for (const event of span.events.filter((e) => e.name === GenAiEvents.EVALUATION_RESULT)) {
      const a = event.attributes ?? {};
      out.push('', `The agent's answer, scored on "${span.name}" (TracingService.score -> ${GenAiEvents.EVALUATION_RESULT}):`);
      out.push(`  ${String(a[GenAiAttributes.EVALUATION_NAME])} = ${String(a[GenAiAttributes.EVALUATION_SCORE_VALUE])} (${String(a[GenAiAttributes.EVALUATION_SCORE_LABEL])}): ${String(a[GenAiAttributes.EVALUATION_EXPLANATION])}`);
    }
  }
  return out;
}

function header(span: ReadableSpan, name: string): string {
  const value = span.attributes[`${HttpAttributes.RESPONSE_HEADER}.${name}`];
  return Array.isArray(value) ? value.join(',') : '-';
}

/** `span` and its subtree, one line per span: name, duration, and what matters about it. */
function treeLines(set: SpanSet, span: ReadableSpan, indent: string): string[] {
  const facts: string[] = [`${durationMs(span).toFixed(0)} ms`];
  const model = str(span, GenAiAttributes.RESPONSE_MODEL);
  if (model) facts.push(model);
  const input = num(span, GenAiAttributes.USAGE_INPUT_TOKENS);
  if (input !== undefined) {
    const cached = num(span, GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS) ?? 0;
    const written = num(span, GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS) ?? 0;
    const cache = cached > 0 ? `, ${cached} cached` : written > 0 ? `, ${written} written to cache` : '';
    facts.push(`${input} in${cache} / ${num(span, GenAiAttributes.USAGE_OUTPUT_TOKENS) ?? 0} out tokens`);
  }
  const own = num(span, CostAttributes.USD);
  if (own !== undefined) facts.push(`${usd(own)} (${str(span, CostAttributes.SOURCE)})`);
  const total = num(span, CostAttributes.TOTAL_USD);
  if (total !== undefined) facts.push(`total ${usd(total)}`);
  const status = str(span, WorkflowAttributes.STATUS) ?? str(span, HttpAttributes.RESPONSE_STATUS_CODE);
  if (status) facts.push(status);
  const children = set.children(span).sort((a, b) => millis(a.startTime) - millis(b.startTime));
  return [`${indent}${span.name}  [${facts.join(', ')}]`, ...children.flatMap((c) => treeLines(set, c, `${indent}  `))];
}

function documentOf(session: DemoSession, run: ReadableSpan): string {
  const jobId = str(run, WorkflowAttributes.JOB_ID);
  const http = session.workflowRuns.find((r) => r.job.jobId === jobId);
  if (http) return http.documentId;
  if (jobId === session.cancelledJob.jobId) return 'pricing-plans (cancelled)';
  if ('ran' in session.queuedRun && jobId === session.queuedRun.ran.job.jobId) return `${session.queuedRun.ran.documentId} (queued)`;
  return run.spanContext().traceId === session.failedRun.traceId ? 'onboarding-guide (failing)' : '?';
}

/** Left-aligned columns, two spaces apart, indented. */
function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length === headers.length).map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i < widths.length - 1 && cells.length === headers.length ? c.padEnd(widths[i]!) : c)).join('  ')}`.trimEnd();
  return [line(headers), ...rows.map(line)];
}

function usd(value: number | undefined): string {
  return value === undefined ? '-' : `$${value.toFixed(6)}`;
}

/**
 * Every user-facing error and warning text, built by small functions so tests can assert them exactly.
 * Format of config errors: `nestjs-ai-tracing: invalid <where> <name>=<value>: <what is allowed>`.
 */

/** Describes a bad value; `source` is an option path (`sampleRate`) or an env variable (`TRACING_SAMPLE_RATE`). */
export function invalidValue(source: string, value: unknown, allowed: string): string {
  return `nestjs-ai-tracing: invalid ${describeSource(source)} ${source}=${show(value)}: expected ${allowed}`;
}

function describeSource(source: string): string {
  return /^[A-Z0-9_]+$/.test(source) ? 'environment variable' : 'option';
}

/** Renders a bad value for an error message: strings quoted, objects as their type. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (value instanceof RegExp) return value.toString();
  return Array.isArray(value) ? 'array' : typeof value;
}

/** A bad field of one price entry; `where` is `pricing.models[2]` or `pricing file /path.json entry [2]`. */
export function invalidPriceEntry(where: string, entry: unknown, field: string, value: unknown, allowed: string): string {
  return `nestjs-ai-tracing: invalid ${where}${describeEntry(entry)} ${field}=${show(value)}: expected ${allowed}`;
}

function describeEntry(entry: unknown): string {
  if (entry === null || typeof entry !== 'object') return '';
  const { provider, model } = entry as { provider?: unknown; model?: unknown };
  const parts: string[] = [];
  if (typeof provider === 'string') parts.push(`provider ${JSON.stringify(provider)}`);
  if (typeof model === 'string') parts.push(`model ${JSON.stringify(model)}`);
  else if (model instanceof RegExp) parts.push(`model ${model.toString()}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** The pricing file could not be read. */
export function unreadablePricingFile(path: string, detail: string): string {
  return `nestjs-ai-tracing: cannot read pricing file ${path} (option pricing.file or TRACING_PRICING_FILE): ${detail}`;
}

/** The pricing file is not a JSON array. */
export function malformedPricingFile(path: string, detail: string): string {
  return (
    `nestjs-ai-tracing: invalid pricing file ${path}: expected a JSON array of ` +
    `{ provider, model, input, output, cacheRead?, cacheWrite?, reasoning? } (USD per 1M tokens): ${detail}`
  );
}

/** Why a call has no price (`cost.unpriced_reason`). */
export function unpricedModel(provider: string, models: readonly string[]): string {
  return `no price for provider ${JSON.stringify(provider)} model ${models.map((m) => JSON.stringify(m)).join(' or ')}`;
}

/** Warning logged once per unknown provider/model. */
export function unpricedModelWarning(provider: string, models: readonly string[]): string {
  return (
    `nestjs-ai-tracing: ${unpricedModel(provider, models)}; its calls get cost.priced=false and no cost. ` +
    'Add a price with pricing.models or TRACING_PRICING_FILE (USD per 1M tokens), or map a deployment name with pricing.deployments.'
  );
}

/** A bad argument of a public cost API call (`CostService.report`, `CostService.forecast`). */
export function invalidCostQuery(method: string, field: string, value: unknown, allowed: string): string {
  return `nestjs-ai-tracing: invalid argument ${method}({ ${field} }): ${field}=${show(value)}: expected ${allowed}`;
}

/** The trace store is enabled but its optional peer dependency is not installed. */
export function storeDriverMissing(moduleName: string, detail: string): string {
  return (
    `nestjs-ai-tracing: the trace store (option store.enabled / TRACING_STORE_ENABLED) needs the optional peer ` +
    `dependency ${moduleName}: run \`npm install ${moduleName}\`, or turn the store off (${detail})`
  );
}

/** The SQLite file of the trace store could not be opened or migrated. */
export function storeOpenFailed(path: string, detail: string): string {
  return `nestjs-ai-tracing: cannot open the trace store at ${path} (option store.path or TRACING_STORE_PATH): ${detail}`;
}

/** The PostgreSQL store's database refused the connection at bootstrap for a reason retrying cannot fix (credentials, database name). */
export function storeConnectFailed(redactedUrl: string, detail: string): string {
  return `nestjs-ai-tracing: cannot connect to the trace store database at ${redactedUrl} (option store.url or TRACING_STORE_URL): ${detail}`;
}

/** Warning logged once when the PostgreSQL store's database cannot be reached; the app goes on. */
export function storeDatabaseUnreachable(redactedUrl: string, detail: string): string {
  return (
    `nestjs-ai-tracing: the trace store database at ${redactedUrl} is unreachable (${detail}); spans wait in the ` +
    'bounded store queue (then are dropped and counted) while it reconnects with backoff'
  );
}

/** The trace store file was written by a newer version of this library. */
export function storeSchemaTooNew(path: string, found: number, supported: number): string {
  return (
    `nestjs-ai-tracing: the trace store at ${path} has schema version ${found}, newer than this version of the ` +
    `library supports (${supported}); upgrade nestjs-ai-tracing or point store.path to another file`
  );
}

/** A trace store query was called while the store is off. */
export function storeDisabled(): string {
  return 'nestjs-ai-tracing: the trace store is disabled; enable it with store: { enabled: true } or TRACING_STORE_ENABLED=true';
}

/** Warning logged once when the store's write queue overflows. */
export function storeQueueFull(maxQueueSize: number): string {
  return (
    `nestjs-ai-tracing: the trace store write queue is full (${maxQueueSize} spans); spans are dropped and counted ` +
    'until it drains. Raise store.maxQueueSize if this happens under normal load.'
  );
}

/** A bad argument of a trace store query, also the `error` of an explorer 400 answer. */
export function invalidTraceQuery(field: string, value: unknown, allowed: string): string {
  return `nestjs-ai-tracing: invalid query parameter ${field}=${show(value)}: expected ${allowed}`;
}

/** An explorer request without the right bearer token. */
export function explorerUnauthorized(): string {
  return 'nestjs-ai-tracing: the trace explorer needs the header Authorization: Bearer <token> (option explorer.token / TRACING_EXPLORER_TOKEN)';
}

/** Warning logged when the explorer is on but the store is off, so there is nothing to explore. */
export function explorerWithoutStore(): string {
  return 'nestjs-ai-tracing: the trace explorer is enabled but the trace store is not open (tracing is disabled or the store is off); the explorer is not mounted.';
}

/** Why a call has no price when no model name is known. */
export function unpricedNoModel(provider: string): string {
  return `no model name for provider ${JSON.stringify(provider)} (set the model option of @TraceProvider or pass a request with a model)`;
}

/** Why a call has no price when its token usage is unknown. */
export function unpricedNoUsage(): string {
  return 'token usage unknown (the result carried none; use the usage option of @TraceProvider or TracingService.recordUsage)';
}

/** Why a call has no price when pricing itself threw (hostile usage values, a broken custom price). */
export function pricingFailed(detail: string): string {
  return `pricing failed: ${detail}`;
}

/** Why `CostService.calculate` prices nothing when cost tracking is off. */
export function costTrackingOff(): string {
  return 'cost tracking is off (costTracking: false or TRACING_COST_TRACKING=false)';
}

/** Why a forecast is unavailable. */
export function noWorkflowRuns(workflow: string, unpricedRuns: number): string {
  return unpricedRuns > 0
    ? `no priced run of workflow ${JSON.stringify(workflow)} yet (${unpricedRuns} run(s) had unpriced calls)`
    : `no finished run of workflow ${JSON.stringify(workflow)} observed yet`;
}

/** The store is on but the app brought its own tracer provider, which cannot take more span processors. */
export function storeOnReusedProvider(): string {
  return (
    'nestjs-ai-tracing: the trace store receives only the spans this library creates, because the app uses its own ' +
    'tracer provider (OpenTelemetry 2.x providers cannot take more span processors after creation). Spans of other ' +
    'instrumentations go to your exporter only.'
  );
}

/** Warning logged once when exports to one exporter start failing. */
export function exportFailing(target: string, error: string, intervalMillis: number): string {
  return (
    `nestjs-ai-tracing: exporting spans to ${target} is failing: ${error}. Spans wait in a bounded queue and are ` +
    `dropped when it is full; a summary follows at most every ${seconds(intervalMillis)} while this lasts ` +
    '(TracingService.health() has the counters).'
  );
}

/** Warning logged once when one exporter's queue starts dropping spans while its exports succeed (too much load). */
export function exportQueueFull(target: string, maxQueueSize: number, intervalMillis: number): string {
  return (
    `nestjs-ai-tracing: the export queue of ${target} is full (${maxQueueSize} spans): spans are dropped and counted ` +
    `until it drains; a summary follows at most every ${seconds(intervalMillis)}. Raise batch.maxQueueSize ` +
    '(OTEL_BSP_MAX_QUEUE_SIZE) or check the backend if this happens under normal load.'
  );
}

/** Periodic summary while an exporter keeps failing or dropping. */
export function exportTroubleSummary(target: string, failed: number, dropped: number, intervalMillis: number, lastError: string | undefined): string {
  const cause = lastError === undefined ? '' : ` (last error: ${lastError})`;
  return (
    `nestjs-ai-tracing: ${target}: ${failed} spans lost in failed exports and ${dropped} dropped at the full queue ` +
    `in the last ${seconds(intervalMillis)}${cause}`
  );
}

/** One line when an exporter works again (its exports succeed and its queue has room). */
export function exportRecovered(target: string, durationMillis: number, failed: number, dropped: number): string {
  return (
    `nestjs-ai-tracing: exporting spans to ${target} works again after ${seconds(durationMillis)}; ` +
    `${failed + dropped} spans were lost meanwhile (${failed} in failed exports, ${dropped} dropped at the full queue)`
  );
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 1000)} s`;
}

/** `OTEL_PROPAGATORS` / `propagators` asked for formats, but the app registered a propagator of its own. */
export function propagatorsIgnored(asked: readonly string[]): string {
  return (
    `nestjs-ai-tracing: the app already registered a propagator, so propagators ${asked.join(',') || 'none'} ` +
    '(option propagators / OTEL_PROPAGATORS) are not installed; the app\'s propagator reads and writes the headers.'
  );
}

/** gRPC was asked for but its optional exporter package is not installed. */
export function grpcExporterMissing(moduleName: string, source: string, detail: string): string {
  return (
    `nestjs-ai-tracing: OTLP over gRPC (${source}=grpc) needs the optional peer dependency ${moduleName}: ` +
    `run \`npm install ${moduleName}\`, or use http/protobuf (${detail})`
  );
}

/** A bad argument of `TracingService.recordCost` (logged once, never thrown in a request). */
export function invalidCost(cost: unknown): string {
  const c = (cost ?? {}) as { usd?: unknown; kind?: unknown };
  return (
    `nestjs-ai-tracing: TracingService.recordCost ignored { usd: ${show(c.usd)}, kind: ${show(c.kind)} }: ` +
    'expected usd a finite number >= 0 and kind a short lower-case name ([a-z0-9_.-], e.g. "image", "audio", "search")'
  );
}

/** A trace store query that ran (or waited) past `store.queryTimeoutMillis`. */
export function queryTimedOut(timeoutMillis: number): string {
  return (
    `nestjs-ai-tracing: the trace store query took longer than ${timeoutMillis} ms (store.queryTimeoutMillis / ` +
    'TRACING_STORE_QUERY_TIMEOUT) and was stopped; try a shorter time range'
  );
}

/** A trace store query refused because too many were waiting. */
export function queryBusy(waiting: number): string {
  return `nestjs-ai-tracing: the trace store is busy (${waiting} queries waiting); try again in a moment`;
}

/** An explorer request refused because it is not local and no token is configured. */
export function explorerForbidden(): string {
  return (
    'nestjs-ai-tracing: without a token (option explorer.token / TRACING_EXPLORER_TOKEN) the trace explorer answers ' +
    'only requests from this machine (a loopback client, not through a proxy) addressed to localhost, 127.0.0.1 or ' +
    '[::1] (or a host of explorer.allowedHosts)'
  );
}

/** An explorer request whose Host is not one of the allowed ones (DNS rebinding guard). */
export function explorerHostNotAllowed(): string {
  return 'nestjs-ai-tracing: the trace explorer does not answer requests for this Host; add it to explorer.allowedHosts (TRACING_EXPLORER_ALLOWED_HOSTS)';
}

/** Warning logged when the explorer is served in a deployed environment without a token. */
export function explorerDeployedWithoutToken(): string {
  return (
    'nestjs-ai-tracing: the trace explorer is enabled outside development (NODE_ENV is not unset, development, dev, local ' +
    'or test) without a token: it answers only requests from this machine. Set explorer.token (TRACING_EXPLORER_TOKEN) ' +
    'to reach it from elsewhere.'
  );
}

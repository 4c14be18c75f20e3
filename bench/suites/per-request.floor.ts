import type { INestApplication } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatRequest, Completion } from './contenders.js';

/**
 * The per-request floor: hand-written OpenTelemetry doing the job `TracingModule` does in scenario (b), written
 * the way the OTel docs show it. An `app.use()` middleware (it runs before Nest's routing, as our request hook
 * does) opens a SERVER span with the attributes our request span carries, answers with the `traceresponse`
 * header as our default does, runs the rest of the request in its
 * context and ends it when the response finishes, with the route, the status code and the cost rolled up; the
 * provider call gets a CLIENT span with the attributes of our `@TraceProvider` span (usage read from the
 * completion, priced with constants). Both go through the SDK's `BatchSpanProcessor` and OTLP/protobuf exporter,
 * to the same kind of sink, with the same resource.
 */
export function installHandWrittenOtel(app: INestApplication, otlpUrl: string): Tracer {
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'bench-app', 'service.instance.id': 'bench' })),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpUrl }))],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const tracer = provider.getTracer('bench-hand-written');
  app.use((req: IncomingMessage & { route?: { path?: string }; baseUrl?: string }, res: ServerResponse, next: () => void) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const [host, port] = (req.headers.host ?? '').split(':');
    const path = (req.url ?? '/').split('?')[0]!;
    const span = tracer.startSpan(
      req.method ?? 'HTTP',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'gen_ai.span.type': 'http',
          'openinference.span.kind': 'CHAIN',
          'http.request.method': req.method,
          'url.path': path,
          'url.scheme': 'http',
          'server.address': host,
          'server.port': Number(port),
          'user_agent.original': req.headers['user-agent'],
          'client.address': req.socket.remoteAddress,
        },
      },
      parent,
    );
    // Our default answers with the W3C `traceresponse` header (`http.traceResponseHeader`): so does the floor.
    const { traceId, spanId, traceFlags } = span.spanContext();
    res.setHeader('traceresponse', `00-${traceId}-${spanId}-0${traceFlags & 1}`);
    res.once('finish', () => {
      const route = req.route?.path === undefined ? undefined : `${req.baseUrl ?? ''}${req.route.path}`;
      if (route !== undefined) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  });
  return tracer;
}

/** gpt-4o-mini, USD per token. */
const PRICE = { input: 0.15e-6, cachedInput: 0.075e-6, output: 0.6e-6 };

/** The provider call under a hand-written CLIENT span with our `@TraceProvider` span's attributes; cost rolled up to the request span. */
export async function handWrittenProviderCall(tracer: Tracer, request: ChatRequest, call: () => Promise<Completion>): Promise<Completion> {
  const server: Span | undefined = trace.getActiveSpan();
  return tracer.startActiveSpan(
    `chat ${request.model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.span.type': 'provider',
        'openinference.span.kind': 'LLM',
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': request.model,
        'llm.provider': 'openai',
        'llm.system': 'openai',
      },
    },
    async (span) => {
      const started = performance.now();
      try {
        const completion = await call();
        const { prompt_tokens: input, completion_tokens: output, total_tokens: total } = completion.usage;
        const cached = completion.usage.prompt_tokens_details.cached_tokens;
        const inputCost = (input - cached) * PRICE.input + cached * PRICE.cachedInput;
        const outputCost = output * PRICE.output;
        const cost = inputCost + outputCost;
        span.setAttributes({
          'llm.model_name': completion.model,
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.output_tokens': output,
          'gen_ai.usage.cache_read.input_tokens': cached,
          'llm.token_count.prompt': input,
          'llm.token_count.completion': output,
          'llm.token_count.total': total,
          'llm.token_count.prompt_details.cache_read': cached,
          'cost.usd': cost,
          'cost.currency': 'USD',
          'cost.priced': true,
          'cost.source': 'hand-written',
          'cost.usd_per_1k_tokens': (cost / total) * 1000,
          'llm.cost.prompt': inputCost,
          'llm.cost.completion': outputCost,
          'llm.cost.total': cost,
          'gen_ai.usage.cost': cost,
          'gen_ai.response.output_tokens_per_second': output / ((performance.now() - started) / 1000),
          'gen_ai.response.model': completion.model,
          'gen_ai.response.id': completion.id,
          'gen_ai.response.finish_reasons': completion.choices.map((c) => c.finish_reason),
        });
        server?.setAttributes({
          'cost.total_usd': cost,
          'cost.input_tokens': input,
          'cost.output_tokens': output,
          'cost.llm_calls': 1,
          'cost.unpriced_calls': 0,
        });
        return completion;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

import { SpanKind, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';
import { task as traceloopTask, workflow as traceloopWorkflow } from '@traceloop/node-server-sdk';
import { Span as OtelSpan } from 'nestjs-otel';
import { TraceNode, TraceProvider, TraceWorkflow } from '../../lib/index.js';

/**
 * The services every per-call contender runs. Each method does the same trivial async work (the work is not
 * what is measured: the wrapper around it is), takes a chat request and returns an OpenAI-shaped completion.
 */
export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
}

export const REQUEST: ChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarise the ticket.' }] };

export const COMPLETION = Object.freeze({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Done.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1200, completion_tokens: 350, total_tokens: 1550, prompt_tokens_details: { cached_tokens: 200 } },
});

export type Completion = typeof COMPLETION;

/** The untraced work: an async method that resolves at once. */
export async function work(request: ChatRequest): Promise<Completion> {
  if (request.messages.length === 0) throw new Error('empty request');
  return COMPLETION;
}

/** A step that runs three steps one after another: the shape of a small workflow. */
interface Steps {
  step(request: ChatRequest): Promise<Completion>;
}

async function threeSteps(steps: Steps, request: ChatRequest): Promise<Completion> {
  await steps.step(request);
  await steps.step(request);
  return steps.step(request);
}

export class PlainService implements Steps {
  step(request: ChatRequest): Promise<Completion> {
    return work(request);
  }

  run(request: ChatRequest): Promise<Completion> {
    return threeSteps(this, request);
  }
}

/** A span as a contender is told to record it: kind and attributes (copied from our exported spans at startup). */
export interface SpanShape {
  kind: SpanKind;
  attributes: Attributes;
}

/**
 * Hand-written OpenTelemetry, as its documentation shows it: `startActiveSpan` with an async callback,
 * exception recorded, span ended in `finally`. Spans get the same names, kinds and attributes as the
 * decorated contenders (copied from their exported spans at startup), so this is the floor for "the same span".
 */
export class RawOtelService implements Steps {
  constructor(
    private readonly tracer: Tracer,
    private readonly node: SpanShape & { name: string },
    private readonly workflow: SpanShape & { name: string; nodeAttributes: Attributes },
  ) {}

  step(request: ChatRequest, attributes: Attributes = this.node.attributes): Promise<Completion> {
    return this.tracer.startActiveSpan(this.node.name, { kind: this.node.kind, attributes }, async (span) => {
      try {
        return await work(request);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  run(request: ChatRequest): Promise<Completion> {
    const { name, kind, attributes, nodeAttributes } = this.workflow;
    return this.tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
      try {
        await this.step(request, nodeAttributes);
        await this.step(request, nodeAttributes);
        return await this.step(request, nodeAttributes);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }
}

export class NodeService implements Steps {
  @TraceNode({ nodeType: 'summarize' })
  step(request: ChatRequest): Promise<Completion> {
    return work(request);
  }
}

export class WorkflowService {
  constructor(private readonly nodes: NodeService) {}

  @TraceWorkflow({ name: 'bench' })
  run(request: ChatRequest): Promise<Completion> {
    return threeSteps(this.nodes, request);
  }
}

/** A provider call: usage read from the OpenAI-shaped result, priced by the cost recorder when one is installed. */
export class LlmService {
  @TraceProvider({ provider: 'openai' })
  complete(request: ChatRequest): Promise<Completion> {
    return work(request);
  }
}

export class NestjsOtelService implements Steps {
  @OtelSpan()
  step(request: ChatRequest): Promise<Completion> {
    return work(request);
  }

  @OtelSpan()
  run(request: ChatRequest): Promise<Completion> {
    return threeSteps(this, request);
  }
}

/**
 * What `NestjsOtelSameAttributesService` records: our spans' kinds and attributes. The suite fills these objects in
 * (in place: the decorators below hold them) from the spans our decorators exported, before it starts measuring.
 */
export const SAME_AS_OURS: { node: SpanShape; workflow: SpanShape; workflowNode: SpanShape } = {
  node: { kind: SpanKind.INTERNAL, attributes: {} },
  workflow: { kind: SpanKind.INTERNAL, attributes: {} },
  workflowNode: { kind: SpanKind.INTERNAL, attributes: {} },
};

/** Span names `NestjsOtelSameAttributesService` uses: those of `NodeService` and `WorkflowService`. */
export const OUR_SPAN_NAMES = { node: 'node summarize', workflow: 'invoke_workflow bench' } as const;

/**
 * nestjs-otel `@Span` recording the same spans as ours: same names, kinds and attributes. They are given as static
 * `SpanOptions`, its cheapest form (no options function called per call); the nodes inside the workflow are a
 * method of their own so that theirs can be static too. What is left between it and us is the wrappers' own work.
 */
export class NestjsOtelSameAttributesService implements Steps {
  @OtelSpan(OUR_SPAN_NAMES.node, SAME_AS_OURS.node)
  step(request: ChatRequest): Promise<Completion> {
    return work(request);
  }

  @OtelSpan(OUR_SPAN_NAMES.node, SAME_AS_OURS.workflowNode)
  workflowStep(request: ChatRequest): Promise<Completion> {
    return work(request);
  }

  @OtelSpan(OUR_SPAN_NAMES.workflow, SAME_AS_OURS.workflow)
  async run(request: ChatRequest): Promise<Completion> {
    await this.workflowStep(request);
    await this.workflowStep(request);
    return this.workflowStep(request);
  }
}

/** Traceloop with its defaults: input and output serialised onto every span (`traceContent` on). */
export class TraceloopService implements Steps {
  @traceloopTask({ name: 'summarize' })
  step(request: ChatRequest): Promise<Completion> {
    return work(request);
  }

  @traceloopWorkflow({ name: 'bench' })
  run(request: ChatRequest): Promise<Completion> {
    return threeSteps(this, request);
  }
}

/** Traceloop with content capture off, like our default (`captureContent: false`). */
export class TraceloopNoContentService implements Steps {
  @traceloopTask({ name: 'summarize', traceContent: false })
  step(request: ChatRequest): Promise<Completion> {
    return work(request);
  }

  @traceloopWorkflow({ name: 'bench', traceContent: false })
  run(request: ChatRequest): Promise<Completion> {
    return threeSteps(this, request);
  }
}

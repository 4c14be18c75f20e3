import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TraceNode } from 'nestjs-ai-tracing';
import type { SampleEnvironment } from '../../config/environment.js';
import { OpenAiProvider } from '../../llm/openai.provider.js';
import { CATEGORIES, PRIORITIES, type Classification, type KnowledgeDocument, type TriageRun } from './triage.types.js';

const SYSTEM_PROMPT =
  'You classify support documents. Pick the category that fits best and the priority a support lead would ' +
  'give it: urgent when a customer is blocked or money is at stake today.';

const SCHEMA = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: [...CATEGORIES] },
    priority: { type: 'string', enum: [...PRIORITIES] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['category', 'priority', 'confidence'],
  additionalProperties: false,
};

/** Classifies the document with OpenAI structured outputs (a JSON schema the reply must follow). */
@Injectable()
export class ClassifyNode {
  private readonly model: string;

  constructor(
    private readonly openai: OpenAiProvider,
    config: ConfigService<SampleEnvironment, true>,
  ) {
    this.model = config.get('CLASSIFIER_MODEL', { infer: true });
  }

  @TraceNode({ nodeType: 'classify', nodeId: 'classify' })
  async execute(document: KnowledgeDocument, _run: TriageRun, signal: AbortSignal): Promise<Classification> {
    const completion = await this.openai.complete(
      {
        model: this.model,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: `${document.title}\n\n${document.body}` },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'classification', strict: true, schema: SCHEMA } },
      },
      { signal },
    );
    return parseClassification(completion.choices[0]?.message.content);
  }
}

function parseClassification(content: string | null | undefined): Classification {
  const parsed = JSON.parse(content ?? 'null') as Partial<Classification> | null;
  if (
    !parsed ||
    !(CATEGORIES as readonly unknown[]).includes(parsed.category) ||
    !(PRIORITIES as readonly unknown[]).includes(parsed.priority) ||
    typeof parsed.confidence !== 'number'
  ) {
    throw new Error(`classifier returned an invalid classification: ${content}`);
  }
  return parsed as Classification;
}

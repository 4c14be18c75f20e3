import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { TraceAgentStep, TraceAgentTask, TracingService } from 'nestjs-ai-tracing';
import type { SampleEnvironment } from '../config/environment.js';
import { AnthropicProvider } from '../llm/anthropic.provider.js';
import { eventText, messageText } from '../llm/anthropic.types.js';
import { OpenAiProvider } from '../llm/openai.provider.js';
import type { AgentTask, AgentTaskResult, PlannedStep, StepFinding } from './agent-task.types.js';
import { CalculatorTool } from './tools/calculator.tool.js';
import { DocumentSearchTool } from './tools/document-search.tool.js';

const PLANNER_PROMPT =
  'You plan research for a support agent. Call the tools needed to answer the question: search the knowledge ' +
  'base for policies and facts, and use the calculator for any arithmetic.';
const READER_PROMPT = 'Extract the facts from these passages that answer the question. Be brief and precise.';
const WRITER_PROMPT = 'Answer the support question from the findings. Cite numbers exactly. Two or three sentences.';

/**
 * A small tool-using agent: a planning step (one LLM call that picks tools), one step per tool call (the
 * tool, plus an LLM call reading search results), and a final step that streams the answer.
 * The trace shows `invoke_agent support-researcher` > `agent planning` / `agent step` > tools and LLM calls.
 */
@Injectable()
export class SupportResearchAgent {
  private readonly plannerModel: string;
  private readonly agentModel: string;

  constructor(
    private readonly openai: OpenAiProvider,
    private readonly anthropic: AnthropicProvider,
    private readonly calculator: CalculatorTool,
    private readonly documents: DocumentSearchTool,
    private readonly tracing: TracingService,
    config: ConfigService<SampleEnvironment, true>,
  ) {
    this.plannerModel = config.get('PLANNER_MODEL', { infer: true });
    this.agentModel = config.get('AGENT_MODEL', { infer: true });
  }

  @TraceAgentTask({ agent: 'support-researcher', taskId: (task: AgentTask) => task.id })
  async run(task: AgentTask): Promise<AgentTaskResult> {
    const plan = await this.plan(task);
    const findings: StepFinding[] = [];
    for (const [index, step] of plan.entries()) findings.push(await this.executeStep(task, step, index + 1));
    const answer = await this.answer(task, findings);
    return {
      taskId: task.id,
      goal: task.goal,
      plan: plan.map(({ tool, arguments: args }) => ({ tool, arguments: args })),
      findings,
      answer,
      traceId: this.tracing.traceId() ?? null,
    };
  }

  @TraceAgentStep({ phase: 'planning' })
  async plan(task: AgentTask): Promise<PlannedStep[]> {
    const completion = await this.openai.complete({
      model: this.plannerModel,
      messages: [
        { role: 'developer', content: PLANNER_PROMPT },
        { role: 'user', content: task.goal },
      ],
      tools: [this.documents.definition, this.calculator.definition],
    });
    const calls = (completion.choices[0]?.message.tool_calls ?? []).filter(
      (call): call is Extract<ChatCompletionMessageToolCall, { type: 'function' }> => call.type === 'function',
    );
    const steps = calls.map((call) => ({ callId: call.id, tool: call.function.name, arguments: parseArguments(call.function.arguments) }));
    // A model that answers without tools still gets one search, so the answer rests on the knowledge base.
    return steps.length > 0 ? steps : [{ callId: 'fallback-search', tool: 'search_documents', arguments: { query: task.goal } }];
  }

  @TraceAgentStep({ phase: 'step', stepId: (_task: AgentTask, step: PlannedStep, index: number) => `${index}-${step.tool}` })
  async executeStep(task: AgentTask, step: PlannedStep, index: number): Promise<StepFinding> {
    if (step.tool === 'calculator') {
      const expression = String(step.arguments.expression ?? '');
      const value = this.calculator.evaluate({ expression, callId: step.callId });
      return { step: index, tool: step.tool, input: expression, output: String(value) };
    }
    if (step.tool === 'search_documents') {
      const query = String(step.arguments.query ?? task.goal);
      const hits = await this.documents.search({ query, callId: step.callId });
      const passages = hits.map((hit) => `[${hit.title}] ${hit.passage}`).join('\n');
      const message = await this.anthropic.createMessage({
        model: this.agentModel,
        max_tokens: 150,
        system: READER_PROMPT,
        messages: [{ role: 'user', content: `Question: ${task.goal}\n\nPassages:\n${passages}` }],
      });
      return { step: index, tool: step.tool, input: query, output: messageText(message) };
    }
    return { step: index, tool: step.tool, input: JSON.stringify(step.arguments), output: `unknown tool "${step.tool}" skipped` };
  }

  @TraceAgentStep({ phase: 'step', stepId: 'answer' })
  async answer(task: AgentTask, findings: StepFinding[]): Promise<string> {
    const stream = await this.anthropic.streamMessage({
      model: this.agentModel,
      max_tokens: 160,
      stream: true,
      system: WRITER_PROMPT,
      messages: [
        {
          role: 'user',
          content: `Question: ${task.goal}\n\nFindings:\n${findings.map((f) => `- ${f.tool}(${f.input}): ${f.output}`).join('\n')}`,
        },
      ],
    });
    let answer = '';
    for await (const event of stream) answer += eventText(event) ?? '';
    // A cheap quality signal on every answer: how much of it rests on the findings (a gen_ai.evaluation.result event).
    const grounding = groundedness(answer, findings.map((f) => f.output).join(' '));
    this.tracing.score('grounded_answer', grounding, {
      label: grounding >= 0.5 ? 'grounded' : 'ungrounded',
      explanation: `${Math.round(grounding * 100)}% of the answer's content words appear in the findings`,
    });
    return answer;
  }
}

/** Share of the answer's content words (4+ letters) that also appear in `source`. */
function groundedness(answer: string, source: string): number {
  const words = (text: string) => text.toLowerCase().match(/[a-z]{4,}/g) ?? [];
  const known = new Set(words(source));
  const said = words(answer);
  return said.length === 0 ? 0 : Math.round((said.filter((w) => known.has(w)).length / said.length) * 100) / 100;
}

function parseArguments(json: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(json) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

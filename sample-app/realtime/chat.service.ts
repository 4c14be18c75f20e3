import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { Observable } from 'rxjs';
import type { SampleEnvironment } from '../config/environment.js';
import { OpenAiProvider } from '../llm/openai.provider.js';

/** A piece of a streamed reply. */
export type ChatReplyEvent = { type: 'token'; text: string } | { type: 'done'; text: string };

const SYSTEM_PROMPT = 'You are the support assistant of a SaaS company. Answer briefly and kindly.';
const MAX_THREADS = 500;
const MAX_TURNS = 20;

/** Chat over a conversation history kept in memory per thread. */
@Injectable()
export class ChatService {
  private readonly model: string;
  private readonly threads = new Map<string, ChatCompletionMessageParam[]>();

  constructor(
    private readonly openai: OpenAiProvider,
    config: ConfigService<SampleEnvironment, true>,
  ) {
    this.model = config.get('CHAT_MODEL', { infer: true });
  }

  /**
   * Streams the assistant's reply to `text`: one event per token, then the whole text. Unsubscribing (the
   * client left) aborts the LLM call.
   */
  reply(threadId: string, text: string): Observable<ChatReplyEvent> {
    return new Observable<ChatReplyEvent>((subscriber) => {
      const controller = new AbortController();
      const history = this.history(threadId);
      history.push({ role: 'user', content: text });
      (async () => {
        const stream = await this.openai.stream(
          {
            model: this.model,
            stream: true,
            stream_options: { include_usage: true },
            messages: [{ role: 'system', content: SYSTEM_PROMPT }, ...history],
          },
          { signal: controller.signal },
        );
        let reply = '';
        for await (const chunk of stream) {
          const token = chunk.choices[0]?.delta.content;
          if (!token) continue;
          reply += token;
          subscriber.next({ type: 'token', text: token });
        }
        history.push({ role: 'assistant', content: reply });
        subscriber.next({ type: 'done', text: reply });
        subscriber.complete();
      })().catch((error: unknown) => subscriber.error(error));
      return () => controller.abort();
    });
  }

  private history(threadId: string): ChatCompletionMessageParam[] {
    let history = this.threads.get(threadId);
    if (!history) {
      if (this.threads.size >= MAX_THREADS) this.threads.delete(this.threads.keys().next().value!);
      history = [];
      this.threads.set(threadId, history);
    }
    if (history.length > MAX_TURNS * 2) history.splice(0, history.length - MAX_TURNS * 2);
    return history;
  }
}

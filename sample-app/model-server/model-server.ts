import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicMessagesHandler } from './anthropic-messages.handler.js';
import { HttpError, sendJson } from './http-io.js';
import { DEFAULT_LATENCY, type Latency } from './latency.js';
import { servedModels } from './model-catalog.js';
import { openAiChatHandler } from './openai-chat.handler.js';
import { PromptCache } from './prompt-cache.js';
import { RateLimits, type RateLimitOptions } from './rate-limits.js';

/** Options of `startModelServer`. */
export interface ModelServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Simulated model timing. */
  latency?: Partial<Latency>;
  /** Rate-limit headers on every answer, and 429s to make clients retry. */
  rateLimits?: RateLimitOptions;
}

/** A running local model server. */
export interface ModelServer {
  /** `http://127.0.0.1:<port>`: OpenAI clients use `${url}/v1` as base URL, Anthropic clients `url`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The environment that points the sample's OpenAI and Anthropic providers at a running local model server
 * (used by the demo and the tests; `apiKey` is a placeholder the server accepts).
 */
export function localModelEnv(server: Pick<ModelServer, 'url'>, apiKey = 'local'): Record<string, string> {
  return {
    OPENAI_BASE_URL: `${server.url}/v1`,
    OPENAI_API_KEY: apiKey,
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: apiKey,
  };
}

/**
 * Starts the sample's stand-in for the OpenAI and Anthropic APIs: deterministic replies with realistic
 * token usage (prompt caching, reasoning tokens), tool calls, streaming and rate-limit headers (429s on
 * demand), so the sample runs offline with no key.
 */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const latency = { ...DEFAULT_LATENCY, ...options.latency };
  const cache = new PromptCache();
  const limits = new RateLimits(options.rateLimits);
  const routes = new Map<string, Handler>([
    ['POST /v1/chat/completions', openAiChatHandler(cache, latency, limits)],
    ['POST /v1/messages', anthropicMessagesHandler(cache, latency, limits)],
    ['GET /v1/models', async (_req, res) => sendJson(res, 200, { object: 'list', data: servedModels().map((id) => ({ id, object: 'model', owned_by: 'local' })) })],
  ]);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handler = routes.get(`${req.method} ${path}`);
    if (!handler) {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    handler(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof HttpError) {
        sendJson(res, error.status, error.body, error.headers);
      } else {
        sendJson(res, 500, { error: { message: error instanceof Error ? error.message : String(error), type: 'server_error' } });
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

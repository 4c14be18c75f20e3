import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

const MAX_BODY_BYTES = 1_000_000;

/** Thrown for a request the server rejects; carries the status and the provider-shaped error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** The request's JSON object body (400 when it is not one, 413 when too large). */
export async function readJsonObject(req: IncomingMessage, invalid: (message: string) => unknown): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, invalid('request body too large'));
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, invalid('request body is not valid JSON'));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, invalid('request body must be a JSON object'));
  return parsed as Record<string, unknown>;
}

/** Sends `body` as JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/** Server-sent events on `res`; `closed` aborts when the client goes away (e.g. a cancelled call). */
export class EventStream {
  private readonly controller = new AbortController();

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    res.on('close', () => this.controller.abort());
  }

  /** Aborted when the client disconnected. */
  get closed(): AbortSignal {
    return this.controller.signal;
  }

  /** Writes one event: `data:` only (OpenAI) or `event:` + `data:` (Anthropic). Raw strings are sent as is. */
  send(data: unknown, event?: string): void {
    if (this.closed.aborted) return;
    const line = typeof data === 'string' ? data : JSON.stringify(data);
    this.res.write(`${event ? `event: ${event}\n` : ''}data: ${line}\n\n`);
  }

  end(): void {
    if (!this.closed.aborted) this.res.end();
  }
}

/** Waits `ms` (simulated model latency); resolves early, without throwing, when `signal` aborts. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

/** A string field, else undefined. */
export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A positive integer field, else undefined. */
export function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OTLP/HTTP traces endpoint: answers 200 to every `POST /v1/traces` and counts the spans it received
 * per instrumentation scope, so a benchmark can prove which instrumentations actually recorded something.
 */
/** What a sink received from one instrumentation scope. */
export interface ScopeTally {
  spans: number;
  /** Attributes over all spans (protobuf only). */
  attributes: number;
  /** Encoded span bytes (protobuf only). */
  bytes: number;
}

export class OtlpSink {
  readonly spansByScope = new Map<string, ScopeTally>();
  requests = 0;
  bytes = 0;
  private server: Server | undefined;

  get totalSpans(): number {
    let total = 0;
    for (const n of this.spansByScope.values()) total += n.spans;
    return total;
  }

  /** Listens on 127.0.0.1 (an ephemeral port) and returns the traces URL. */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests += 1;
        this.bytes += body.length;
        try {
          const json = String(req.headers['content-type'] ?? '').includes('json');
          this.add(json ? countJsonSpans(body) : countProtobufSpans(body));
        } catch {
          this.add(new Map([['<undecodable>', { spans: 0, attributes: 0, bytes: 0 }]]));
        }
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' });
        res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Span counts per scope, as a plain object (for JSON output). */
  byScope(): Record<string, number> {
    return Object.fromEntries([...this.spansByScope.entries()].sort((a, b) => b[1].spans - a[1].spans).map(([k, v]) => [k, v.spans]));
  }

  /** Mean attributes and encoded bytes per span, per scope. */
  weightByScope(): Record<string, { attributesPerSpan: number; bytesPerSpan: number }> {
    return Object.fromEntries(
      [...this.spansByScope.entries()].map(([k, v]) => [
        k,
        { attributesPerSpan: Math.round((v.attributes / Math.max(1, v.spans)) * 10) / 10, bytesPerSpan: Math.round(v.bytes / Math.max(1, v.spans)) },
      ]),
    );
  }

  private add(counts: Map<string, ScopeTally>): void {
    for (const [scope, n] of counts) {
      const t = this.spansByScope.get(scope) ?? { spans: 0, attributes: 0, bytes: 0 };
      t.spans += n.spans;
      t.attributes += n.attributes;
      t.bytes += n.bytes;
      this.spansByScope.set(scope, t);
    }
  }
}

interface JsonTraces {
  resourceSpans?: Array<{ scopeSpans?: Array<{ scope?: { name?: string }; spans?: unknown[] }> }>;
}

function countJsonSpans(body: Buffer): Map<string, ScopeTally> {
  const counts = new Map<string, ScopeTally>();
  const data = JSON.parse(body.toString('utf8')) as JsonTraces;
  for (const rs of data.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      const name = ss.scope?.name ?? '';
      const t = counts.get(name) ?? { spans: 0, attributes: 0, bytes: 0 };
      t.spans += ss.spans?.length ?? 0;
      counts.set(name, t);
    }
  }
  return counts;
}

/**
 * Reads just enough of an `ExportTraceServiceRequest` (protobuf wire format) to tally spans per scope:
 * resource_spans = 1 -> scope_spans = 2 -> { scope = 1 { name = 1 }, spans = 2 { attributes = 9 } }.
 */
export function countProtobufSpans(body: Uint8Array): Map<string, ScopeTally> {
  const counts = new Map<string, ScopeTally>();
  for (const rs of fields(body, 0, body.length, 1)) {
    for (const ss of fields(body, rs.start, rs.end, 2)) {
      let name = '';
      const tally: ScopeTally = { spans: 0, attributes: 0, bytes: 0 };
      for (const f of allFields(body, ss.start, ss.end)) {
        if (f.field === 1 && f.start !== undefined) {
          for (const n of fields(body, f.start, f.end!, 1)) name = Buffer.from(body.subarray(n.start, n.end)).toString('utf8');
        } else if (f.field === 2 && f.start !== undefined) {
          tally.spans += 1;
          tally.bytes += f.end! - f.start;
          for (const _a of fields(body, f.start, f.end!, 9)) tally.attributes += 1;
        }
      }
      const t = counts.get(name) ?? { spans: 0, attributes: 0, bytes: 0 };
      t.spans += tally.spans;
      t.attributes += tally.attributes;
      t.bytes += tally.bytes;
      counts.set(name, t);
    }
  }
  return counts;
}

interface WireField {
  field: number;
  start?: number;
  end?: number;
}

function* fields(buf: Uint8Array, start: number, end: number, wanted: number): Generator<{ start: number; end: number }> {
  for (const f of allFields(buf, start, end)) {
    if (f.field === wanted && f.start !== undefined) yield { start: f.start, end: f.end! };
  }
}

function* allFields(buf: Uint8Array, start: number, end: number): Generator<WireField> {
  let pos = start;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (pos > end) throw new Error('truncated varint');
    }
  };
  while (pos < end) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      varint();
      yield { field };
    } else if (wire === 1) {
      pos += 8;
      yield { field };
    } else if (wire === 5) {
      pos += 4;
      yield { field };
    } else if (wire === 2) {
      const length = varint();
      const fieldStart = pos;
      pos += length;
      if (pos > end) throw new Error('truncated field');
      yield { field, start: fieldStart, end: pos };
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

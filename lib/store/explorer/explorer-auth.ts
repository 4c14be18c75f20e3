import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer-token check of the explorer. Both sides are hashed first so the comparison runs in constant time
 * on equal-length buffers whatever the length of the presented token.
 */
export class ExplorerAuth {
  private readonly expected: Buffer | undefined;

  constructor(token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  /** Whether a token is configured at all. */
  get required(): boolean {
    return this.expected !== undefined;
  }

  /** Whether `authorization` (`Bearer <token>`) or `queryToken` carries the configured token. */
  allows(authorization: string | string[] | undefined, queryToken?: string | null): boolean {
    if (!this.expected) return true;
    const header = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
    const presented = header ?? queryToken ?? undefined;
    return presented !== undefined && timingSafeEqual(digest(presented), this.expected);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

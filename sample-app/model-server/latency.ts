/** Simulated model timing, small enough that the whole demo runs in seconds. */
export interface Latency {
  /** Time before the first token (queueing, prompt processing). @default 25 */
  firstTokenMs: number;
  /** Generation time per output token of a non-streamed reply and per reasoning token. @default 3 */
  perTokenMs: number;
  /** Gap between two streamed chunks. @default 4 */
  perChunkMs: number;
}

export const DEFAULT_LATENCY: Latency = { firstTokenMs: 25, perTokenMs: 3, perChunkMs: 4 };

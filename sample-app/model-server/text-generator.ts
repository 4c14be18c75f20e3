/**
 * Deterministic stand-in for a language model: the same prompt always gives the same reply, built from the
 * prompt's own keywords so the output reads as if it were about the input.
 */

const STOPWORDS = new Set(
  `a about above after again all also am an and any are as at be because been before being below between both but by
  can could did do does doing down during each few for from further had has have having he her here hers him his how i
  if in into is it its itself just me more most my no nor not now of off on once only or other our out over own same
  she should so some such than that the their them then there these they this those through to too under until up very
  was we were what when where which while who whom why will with would you your yours please give write short reply
  answer question using use based following text document user assistant tell explain into each every them make sure
  summarize summary classify within allows may must per hello thanks dear regards hi best need needs`
    .split(/\s+/)
    .filter(Boolean),
);

const SENTENCES = [
  'The text is mainly about {0}.',
  'It explains how {1} relates to {0}.',
  'Key points: {0}, {1} and {2}.',
  '{1} comes up as the main concern.',
  'It also mentions {3} in connection with {2}.',
  'Overall, {0} matters most here.',
  'A follow-up on {2} is suggested.',
  'Readers should note the part about {3}.',
];

/** FNV-1a, 32 bits: a stable seed from any text. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Small seeded PRNG (mulberry32): deterministic choices per prompt. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Token count the way the stand-in bills it: about four characters per token, like English BPE vocabularies. */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/** The most frequent content words of `text`, ties broken by first appearance. */
export function keywords(text: string, limit = 6): string[] {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[a-z][a-z'-]{2,}/g) ?? []) {
    if (STOPWORDS.has(word)) continue;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts.entries()]
    // More frequent first; among equals, longer words carry more meaning.
    .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length)
    .slice(0, limit)
    .map(([word]) => word);
}

/** The longest arithmetic expression written in `text` (`12 * 49 * 12`, `(3 + 4) / 2`), if any. */
export function arithmeticExpression(text: string): string | undefined {
  const candidates = text.match(/[(\d][\d\s.+\-*/()]*[\d)]/g) ?? [];
  return candidates
    .map((c) => c.trim())
    .filter((c) => /\d\s*[+\-*/]\s*[\d(]/.test(c) && balanced(c))
    .sort((a, b) => b.length - a.length)[0];
}

function balanced(expression: string): boolean {
  let depth = 0;
  for (const ch of expression) {
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** A reply of about `targetTokens` tokens about the keywords of `prompt`. */
export function generateReply(prompt: string, targetTokens: number): string {
  const random = seededRandom(hashText(prompt));
  const words = keywords(prompt, 8);
  while (words.length < 4) words.push(['the request', 'the details', 'next steps', 'the context'][words.length]!);
  const sentences: string[] = [];
  let tokens = 0;
  let index = Math.floor(random() * SENTENCES.length);
  while (tokens < targetTokens) {
    const picks = shuffled(words, random);
    const sentence = SENTENCES[index % SENTENCES.length]!.replace(/\{(\d)\}/g, (_, i: string) => picks[Number(i)]!);
    sentences.push(capitalize(sentence));
    tokens += countTokens(sentence) + 1;
    index += 1 + Math.floor(random() * 3);
  }
  return sentences.join(' ');
}

/** Splits a reply into the pieces a streaming endpoint sends (one word, with its leading space). */
export function streamPieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

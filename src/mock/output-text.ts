/** The deterministic text the mock generates: words of four characters, one word a token. */
import type { SeededRandom } from './random.js';

const WORDS = ['the', 'sun', 'and', 'sky', 'map', 'arc', 'bit', 'cat', 'dog', 'fox', 'owl', 'key', 'log', 'net', 'run', 'set', 'tea', 'web', 'zip', 'oak'];

/** `tokens` tokens of text, grouped in chunks of `tokensPerChunk` (the last may be shorter). */
export function generateChunks(tokens: number, tokensPerChunk: number, random: SeededRandom): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < tokens; start += tokensPerChunk) {
    let chunk = '';
    for (let i = start; i < Math.min(tokens, start + tokensPerChunk); i++) chunk += `${WORDS[random.integer(0, WORDS.length - 1)]!} `;
    chunks.push(chunk);
  }
  return chunks;
}

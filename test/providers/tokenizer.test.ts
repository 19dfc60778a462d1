import { describe, expect, it } from 'vitest';
import { countTokens, usesOpenAITokenizer } from '../../src/providers/tokenizer.js';

describe('tokenizer', () => {
  it('counts OpenAI models with the real tokenizer (loaded on first use)', async () => {
    expect(usesOpenAITokenizer('gpt-4o-mini')).toBe(true);
    expect(usesOpenAITokenizer('claude-haiku-4-5')).toBe(false);
    // "Hello world" is two tokens in o200k; a character estimate would say 3.
    expect(await countTokens('Hello world', 'gpt-4o-mini')).toBe(2);
    expect(await countTokens('', 'gpt-4o')).toBe(0);
  });

  it('estimates other models at about 4 characters a token', async () => {
    expect(await countTokens('x'.repeat(400), 'claude-haiku-4-5')).toBe(100);
  });
});

/**
 * A real tokenizer for OpenAI models (gpt-tokenizer, loaded on first use so that nobody pays for
 * it who does not count), and a character estimate for the others. Used where the real count
 * matters: context-window checks, and usage of a stream that reported none.
 */
type CountTokens = (text: string) => number;

let loading: Promise<CountTokens> | undefined;

async function loadOpenAITokenizer(): Promise<CountTokens> {
  const module = (await import('gpt-tokenizer')) as { countTokens: CountTokens };
  return module.countTokens;
}

/** True for models whose tokenizer is OpenAI's (o200k / cl100k families). */
export function usesOpenAITokenizer(model: string): boolean {
  return /^(gpt-|o\d|chatgpt|text-embedding|ft:gpt)/i.test(model);
}

/** Counts the tokens of `text` as `model` would: exactly for OpenAI models, estimated (about 4 characters a token) for others. */
export async function countTokens(text: string, model: string): Promise<number> {
  if (!usesOpenAITokenizer(model)) return Math.ceil(text.length / 4);
  loading ??= loadOpenAITokenizer();
  try {
    return (await loading)(text);
  } catch {
    return Math.ceil(text.length / 4);
  }
}

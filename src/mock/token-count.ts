/**
 * The mock's token counting rule. It is not a tokenizer: it is the rule the mock charges and
 * reports (usage.prompt_tokens, usage.input_tokens, usageMetadata.promptTokenCount), simple
 * enough for a client to predict exactly:
 *
 *     prompt tokens = 3 per request
 *                   + for each message (system prompts included): 4 + ceil(characters / 4)
 *                   + ceil(characters of the tools' JSON / 4), when tools are given
 *
 * Characters are Unicode code points of the message's text; a part that is not text counts the
 * characters of its JSON. Generated output is words of four characters ("abc "), so that the
 * same rule counts a reply as the number of tokens reported for it.
 */

/** Tokens every request carries (reply priming). */
export const TOKENS_PER_REQUEST = 3;
/** Tokens each message carries beyond its text (role and framing). */
export const TOKENS_PER_MESSAGE = 4;
/** Characters per token. */
export const CHARACTERS_PER_TOKEN = 4;

/** Tokens of a text: characters / 4, rounded up. */
export function textTokens(text: string): number {
  let characters = 0;
  for (const _ of text) characters++;
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}

/** Prompt tokens of a request: one text per message, plus the tools' JSON if any. */
export function promptTokens(messageTexts: readonly string[], toolsJson?: string): number {
  let total = TOKENS_PER_REQUEST;
  for (const text of messageTexts) total += TOKENS_PER_MESSAGE + textTokens(text);
  if (toolsJson) total += textTokens(toolsJson);
  return total;
}

/**
 * The text of a message's content in any of the three formats: a string, or a list of parts
 * whose `text` fields are joined (other parts count as their JSON).
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const text = typeof part === 'object' && part !== null ? (part as { text?: unknown }).text : undefined;
        return typeof text === 'string' ? text : JSON.stringify(part);
      })
      .join('');
  }
  if (content === undefined || content === null) return '';
  return JSON.stringify(content);
}

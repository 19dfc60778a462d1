/**
 * Secrets never leave in a message: API keys of every provider we know and bearer tokens are
 * masked wherever text from the outside (an error body, a URL) is quoted.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(sk-(?:ant-|proj-|svcacct-|admin-)?)[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic, DeepSeek, Moonshot
  /\b(xai-)[A-Za-z0-9_-]{8,}/g,
  /\b(AIza)[A-Za-z0-9_-]{20,}/g, // Google
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /([?&](?:key|api_key|apikey)=)[^&\s"']+/gi,
];

/** `text` with every secret-looking value replaced by its prefix and `***`. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, '$1***');
  return result;
}

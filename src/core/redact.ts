/**
 * Secrets never leave in a message: API keys of every provider we know, bearer and basic
 * credentials, key parameters and the password of a URL are masked wherever text from the
 * outside (an error body, a URL, a configuration value) is quoted, logged or reported.
 */

/**
 * Where a key-shaped value may start: not inside a word (so `risk-assessment` is left alone), but
 * right after an escaped control character of a JSON string (`"...\nsk-..."`), where the letter
 * before it belongs to the escape.
 */
const START = String.raw`(?:(?<=\\[nrt])|(?<![A-Za-z0-9]))`;

const SECRET_PATTERNS: readonly RegExp[] = [
  // Credentials of an Authorization header first, so that the key inside is masked once.
  // Long enough not to be an English word ("bearer authentication"); Basic credentials are base64.
  new RegExp(`${START}(Bearer\\s+)[A-Za-z0-9._~+/=-]{16,}`, 'gi'),
  new RegExp(`${START}(Basic\\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}`, 'g'),
  new RegExp(`${START}(sk-(?:ant-|proj-|svcacct-|admin-)?)[A-Za-z0-9_-]{8,}`, 'g'), // OpenAI, Anthropic, DeepSeek, Moonshot
  new RegExp(`${START}(xai-)[A-Za-z0-9_-]{8,}`, 'g'),
  new RegExp(`${START}(AIza)[A-Za-z0-9_-]{20,}`, 'g'), // Google API keys
  new RegExp(`${START}(ya29\\.)[A-Za-z0-9._-]{20,}`, 'g'), // Google OAuth access tokens
  /([?&](?:key|api_key|apikey|api-key|access_token|token)=)[^&\s"'#]+/gi,
  // Header or JSON field spelled out: `x-api-key: ...`, `"x-goog-api-key":"..."`, `api-key=...` (Azure).
  /((?:x-api-key|x-goog-api-key|api-key|api_key|apikey)["']?\s*[:=]\s*["']?)[^\s"',;&]{4,}/gi,
  // A password before `@`: `redis://user:password@host`, and the same in a malformed URL
  // (`redis:/user:password@host`, `redis//:password@host`); the user is kept.
  /([A-Za-z0-9._~%+-]*:)[^\s@/"':]+(@)(?=[A-Za-z0-9[])/g,
];

/** `text` with every secret-looking value replaced by its prefix and `***`. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, mask);
  return result;
}

/** The prefix kept, the secret masked, and what follows it (the `@` of a URL) kept. */
function mask(_match: string, prefix: string, suffix: unknown): string {
  return `${prefix}***${typeof suffix === 'string' ? suffix : ''}`;
}

/** Field names whose value is a secret whatever its shape (compared without case, `-` and `_`). */
const SECRET_FIELD = /^(?:x?(?:goog)?apikey|authorization|proxyauthorization|password|passwd|secret|clientsecret|token|accesstoken|refreshtoken)$/;

/** True for a field name that always holds a secret, such as `apiKey`, `authorization` or `password`. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name.replace(/[-_]/g, '').toLowerCase());
}

const MAX_DEPTH = 8;
const MAX_ENTRIES = 200;

/**
 * `value` made safe to log or serialize: strings redacted, the values of secret fields masked,
 * arrays and plain objects copied when something in them changed (to a bounded depth and size) and
 * returned as they are otherwise; other values (numbers, class instances, functions) as they are,
 * since they are not rendered field by field.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ENTRIES).map((item) => redactValue(item, depth + 1));
    return items.length === value.length && items.every((item, i) => item === value[i]) ? value : items;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  let changed = entries.length > MAX_ENTRIES;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of entries.slice(0, MAX_ENTRIES)) {
    const safe = isSecretField(key) && typeof inner === 'string' && inner !== '' ? '***' : redactValue(inner, depth + 1);
    changed ||= safe !== inner;
    copy[key] = safe;
  }
  return changed ? copy : value;
}

/**
 * Masks secrets in an error's message and stack, in place, down its chain of causes; returns it.
 * For errors we did not write but keep as a `cause`: fetch refusing a header quotes the header,
 * `Bearer <key>` included.
 */
export function redactError<T>(error: T): T {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && current instanceof Error; depth++) {
    try {
      const message = redactSecrets(current.message);
      if (message !== current.message) current.message = message;
      if (typeof current.stack === 'string') {
        const stack = redactSecrets(current.stack);
        if (stack !== current.stack) current.stack = stack;
      }
    } catch {
      // A frozen error or a throwing accessor: nothing we can mask, and no reason to fail the call.
    }
    current = current.cause;
  }
  return error;
}

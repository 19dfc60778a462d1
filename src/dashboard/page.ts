/**
 * The dashboard page: self-contained HTML (inline style and script, nothing loaded from anywhere),
 * with a Content-Security-Policy that lets it talk only to its own origin.
 */
import { redactSecrets } from '../core/redact.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

export interface DashboardPage {
  readonly html: string;
  /** Headers to send with it (the CSP names the nonce of its inline style and script). */
  readonly headers: Record<string, string>;
}

export function dashboardPage(title: string, nonce: string): DashboardPage {
  const safeTitle = escapeHtml(redactSecrets(title));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safeTitle}</title>
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1 data-testid="title">${safeTitle}</h1>
<span class="pill" id="overall" data-testid="overall-status" data-state="unknown" title="health">unknown</span>
<span class="pill" id="connection" data-testid="connection-status" data-state="connecting" title="live stream">connecting</span>
<span class="muted" id="updated" data-testid="last-update">no update yet</span>
</header>
<main>
<ul class="issues" id="issues" data-testid="issues"></ul>
<div class="grid" id="services" data-testid="services"></div>
<section>
<h2>Recent errors</h2>
<table data-testid="recent-errors"><thead><tr><th>time</th><th>service</th><th>kind</th><th>message</th></tr></thead><tbody id="errors"></tbody></table>
</section>
<section>
<h2>Circuit breaker transitions</h2>
<table data-testid="recent-transitions"><thead><tr><th>time</th><th>service</th><th>change</th><th>reason</th></tr></thead><tbody id="transitions"></tbody></table>
</section>
</main>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
  return {
    html,
    headers: {
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'referrer-policy': 'no-referrer',
    },
  };
}

/** A fresh nonce per page: Web Crypto, which Node 20, browsers and edge runtimes all have. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

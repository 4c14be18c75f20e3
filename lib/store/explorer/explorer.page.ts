import { EXPLORER_SCRIPT } from './explorer-page.script.js';
import { EXPLORER_STYLES } from './explorer-page.styles.js';

/** What the page needs to know about where it runs. */
export interface ExplorerPageOptions {
  /** Mount path; the page calls `<basePath>/api/...`. */
  basePath: string;
  /** CSP nonce of the inline script. */
  nonce: string;
  /** Whether the API needs the token (shown in the footer hint). */
  tokenRequired: boolean;
}

/** The explorer page: one HTML document with inline CSS and JS. */
export function renderExplorerPage(options: ExplorerPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Trace explorer · nestjs-ai-tracing</title>
<style>${EXPLORER_STYLES}</style>
</head>
<body data-base="${escapeHtml(options.basePath)}"${options.tokenRequired ? ' data-token-required' : ''}>
<header class="top">
  <div class="brand"><span class="logo">◆</span>AI Tracing <span class="muted">explorer</span></div>
  <nav>
    <a href="#/traces" data-tab="traces">Traces</a>
    <a href="#/cost" data-tab="cost">Cost</a>
    <a href="#/slowest" data-tab="slowest">Slowest</a>
    <a href="#/errors" data-tab="errors">Errors</a>
    <a href="#/forecast" data-tab="forecast">Forecast</a>
  </nav>
  <div id="stats" class="stats"></div>
  <button id="refresh" class="refresh" type="button" title="Reload this view">Refresh</button>
</header>
<div id="banner" class="banner" role="alert" hidden></div>
<main id="view"></main>
<aside id="panel" class="panel" hidden></aside>
<script nonce="${escapeHtml(options.nonce)}">${EXPLORER_SCRIPT}</script>
</body>
</html>`;
}

/** Answer of a page request without the token: says how to get in, shows nothing from the store. */
export function renderUnauthorizedPage(basePath: string, tokenWasWrong: boolean): string {
  return refusalPage(
    'Explorer token required',
    `<p>This trace explorer is protected by a token (option <code>explorer.token</code> or <code>TRACING_EXPLORER_TOKEN</code>).
Enter it below, or call the JSON API with <code>Authorization: Bearer &lt;token&gt;</code>.</p>
${tokenWasWrong ? '<p class="err">That token is not valid.</p>\n' : ''}<form method="get" action="${escapeHtml(basePath || '/')}">
<input type="password" name="token" placeholder="Explorer token" aria-label="Explorer token" autofocus required>
<button type="submit">Open</button>
</form>`,
  );
}

/** Answer of a page request the explorer does not serve at all (not local, or a foreign `Host`). */
export function renderForbiddenPage(reason: string): string {
  return refusalPage(
    'Explorer not available here',
    `<p>${escapeHtml(reason)}.</p>
<p>Open it on the machine that runs the app (<code>http://localhost:&lt;port&gt;</code>), or set a token to reach it from elsewhere;
see "Running the explorer safely" in the nestjs-ai-tracing README.</p>`,
  );
}

function refusalPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Trace explorer · ${escapeHtml(title.toLowerCase())}</title>
<style>
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f5f6fa; color: #1b2130;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Arial, sans-serif; }
main { width: min(440px, 92vw); background: #fff; border: 1px solid #e3e6ee; border-radius: 12px; padding: 26px 28px; }
h1 { font-size: 18px; margin: 0 0 8px; }
p { color: #475467; margin: 0 0 14px; }
code { font-size: 12.5px; background: #f2f4f7; padding: 1px 5px; border-radius: 4px; }
.err { color: #d92d20; font-weight: 600; }
form { display: flex; gap: 8px; }
input { flex: 1; font: inherit; padding: 7px 10px; border: 1px solid #d0d5dd; border-radius: 6px; }
button { font: inherit; font-weight: 600; padding: 7px 14px; border: 0; border-radius: 6px; background: #4f46e5; color: #fff; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

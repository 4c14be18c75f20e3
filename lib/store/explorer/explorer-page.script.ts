import { PAGE_SCRIPT_CORE } from './page-script.core.js';
import { PAGE_SCRIPT_REPORTS } from './page-script.reports.js';
import { PAGE_SCRIPT_TRACES } from './page-script.traces.js';

/**
 * Script of the explorer page: a small hash-routed app over the JSON API, in plain browser JavaScript (no build
 * step, no external asset), assembled from its parts inside one closure. Every value from the store reaches
 * the DOM through textContent, never as HTML. When the page was opened with `?token=`, the token is sent as a
 * bearer header on each API call.
 */
export const EXPLORER_SCRIPT = [
  '(function () {',
  PAGE_SCRIPT_CORE,
  PAGE_SCRIPT_TRACES,
  PAGE_SCRIPT_REPORTS,
  String.raw`
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closePanel(); });
  document.getElementById('refresh').addEventListener('click', route);
  window.addEventListener('hashchange', route);
  route();
})();`,
].join('\n');

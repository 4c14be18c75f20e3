/**
 * DOM helpers, formatting, the API client (bearer token) and the hash router.
 * Part of the explorer page script (see explorer-page.script.ts); plain browser JavaScript kept as a string.
 */
export const PAGE_SCRIPT_CORE = String.raw`
  'use strict';
  var BASE = document.body.getAttribute('data-base') || '';
  var TOKEN = new URLSearchParams(location.search).get('token');
  var view = document.getElementById('view');
  var panel = document.getElementById('panel');
  var banner = document.getElementById('banner');
  var stats = document.getElementById('stats');
  var ROLES = { workflow: 'workflow', node: 'node', provider: 'llm', agent_task: 'agent', agent_step: 'step', tool: 'tool', http: 'http', websocket: 'ws', queue: 'queue', rpc: 'rpc', event: 'event', manual: 'span' };
  var REPORT_RANGES = [['15m', 'Last 15 min'], ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days']];
  // Reports cover a window (the last 24 hours unless chosen); the trace list can show everything, newest first.
  var RANGES = [['', 'All time']].concat(REPORT_RANGES);
  var DEFAULT_REPORT_RANGE = '24h';
  var GROUPS = [['user', 'User'], ['tenant', 'Tenant'], ['workflow', 'Workflow'], ['provider', 'Provider'], ['model', 'Model'], ['kind', 'Kind'], ['day', 'Day']];

  // ---- DOM helpers ----
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'class') el.className = v;
      else if (k.indexOf('on') === 0) el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    });
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(el, c); }); return; }
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function field(label, control) { return h('label', { class: 'field' }, h('span', null, label), control); }
  function select(name, options, current) {
    return h('select', { name: name }, options.map(function (o) {
      return h('option', { value: o[0], selected: (current || '') === o[0] }, o[1]);
    }));
  }
  function th(label, num) { return h('th', { class: num ? 'num' : null }, label); }
  function table(id, headers, numeric) {
    return h('table', { class: 'grid', id: id }, h('thead', null, h('tr', null, headers.map(function (x, i) { return th(x, numeric && numeric.indexOf(i) >= 0); }))), h('tbody'));
  }
  function emptyRow(tbody, cols, text) { tbody.appendChild(h('tr', null, h('td', { class: 'empty', colspan: cols }, text))); }

  // ---- formatting ----
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms === 0) return '0';
    if (ms < 1) return ms.toFixed(2) + ' ms';
    if (ms < 10) return ms.toFixed(1) + ' ms';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    return Math.floor(ms / 60000) + 'm ' + Math.round((ms % 60000) / 1000) + 's';
  }
  function fmtUsd(v) {
    if (v === null || v === undefined) return '–';
    if (v === 0) return '$0';
    if (v >= 100) return '$' + v.toFixed(0);
    if (v >= 1) return '$' + v.toFixed(2);
    if (v >= 0.000001) return '$' + Number(v.toPrecision(3)).toFixed(Math.min(6, Math.max(2, 2 - Math.floor(Math.log10(v)))));
    return '<$0.000001';
  }
  function fmtInt(n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'); }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fmtTime(ms) {
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function relTime(ms) {
    var s = Math.round((Date.now() - ms) / 1000);
    if (s < 5) return 'just now';
    if (s < 60) return s + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ago';
    if (s < 86400) return Math.floor(s / 3600) + 'h ago';
    return Math.floor(s / 86400) + 'd ago';
  }
  function tokens(i, o) { return (i || o) ? fmtInt(i) + ' → ' + fmtInt(o) : '–'; }
  // Unset is OpenTelemetry's default for work that did not fail: shown as OK unless a span failed.
  function statusBadge(status, errorCount) {
    if (status === 'error' || errorCount > 0) return h('span', { class: 'badge error' }, errorCount > 1 ? errorCount + ' errors' : 'Error');
    return h('span', { class: 'badge ok', title: status === 'unset' ? 'status unset (no error)' : 'status ok' }, 'OK');
  }
  function roleTag(role) { return h('span', { class: 'role role-' + (role || 'other') }, ROLES[role] || 'span'); }

  // ---- API ----
  function api(path, params) {
    var qs = new URLSearchParams();
    if (params) Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    });
    var query = qs.toString();
    var headers = { Accept: 'application/json' };
    if (TOKEN) headers.Authorization = 'Bearer ' + TOKEN;
    return fetch(BASE + '/api' + path + (query ? '?' + query : ''), { headers: headers }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + res.status);
        return body;
      });
    });
  }
  function showError(err) { banner.textContent = err && err.message ? err.message : String(err); banner.hidden = false; }
  function refreshStats() {
    api('/stats').then(function (s) {
      stats.textContent = '';
      add(stats, [fmtInt(s.traces) + ' traces · ' + fmtInt(s.spans) + ' spans']);
      if (s.dropped > 0) add(stats, h('span', { class: 'warn' }, ' · ' + fmtInt(s.dropped) + ' dropped'));
      addStoreBounds(s);
      addPipelineHealth(s.health);
    }).catch(function () { stats.textContent = ''; });
  }
  // Spans the store counted but did not keep: past the per-trace cap.
  function addStoreBounds(s) {
    if (s.spansOverCap > 0) add(stats, h('span', { class: 'warn', title: 'spans past store.maxSpansPerTrace: counted on their trace, not stored' }, ' · ' + fmtInt(s.spansOverCap) + ' over the per-trace cap'));
  }
  // The export pipeline's state (TracingService.health()): a warning per failing exporter, its losses on hover.
  function addPipelineHealth(health) {
    if (!health || !health.exporters) return;
    health.exporters.forEach(function (e) {
      var lost = e.failed + e.dropped;
      if (e.status !== 'failing' && lost === 0) return;
      var text = ' · ' + e.name + (e.status === 'failing' ? ' failing' : '') + (lost > 0 ? ', ' + fmtInt(lost) + ' spans lost' : '');
      add(stats, h('span', { class: 'warn', 'data-exporter': e.name, title: e.lastError || '' }, text));
    });
  }

  // ---- routing ----
  function parseHash() {
    var hash = location.hash.replace(/^#\/?/, '');
    var q = hash.indexOf('?');
    return { parts: (q < 0 ? hash : hash.slice(0, q)).split('/').filter(Boolean), params: new URLSearchParams(q < 0 ? '' : hash.slice(q + 1)) };
  }
  function go(path, params) {
    var clean = {};
    Object.keys(params || {}).forEach(function (k) { if (params[k] !== '' && params[k] !== undefined && params[k] !== null) clean[k] = params[k]; });
    var qs = new URLSearchParams(clean).toString();
    location.hash = '#/' + path + (qs ? '?' + qs : '');
  }
  function toObject(params) { var o = {}; params.forEach(function (v, k) { o[k] = v; }); return o; }
  function route() {
    closePanel();
    banner.hidden = true;
    view.textContent = '';
    var r = parseHash();
    var tab = r.parts[0] || 'traces';
    document.querySelectorAll('.top nav a').forEach(function (a) {
      a.classList.toggle('active', a.getAttribute('data-tab') === (tab === 'trace' ? 'traces' : tab));
    });
    refreshStats();
    if (tab === 'trace' && r.parts[1]) return showTrace(decodeURIComponent(r.parts[1]), r.params);
    if (tab === 'cost') return showCost(r.params);
    if (tab === 'slowest') return showSlowest(r.params);
    if (tab === 'errors') return showErrors(r.params);
    if (tab === 'forecast') return showForecast(r.params);
    return showTraces(r.params);
  }
`;

/**
 * Trace list with filters, the waterfall of one trace and the span details panel.
 * Part of the explorer page script (see explorer-page.script.ts); plain browser JavaScript kept as a string.
 */
export const PAGE_SCRIPT_TRACES = String.raw`
  // ---- trace list ----
  function showTraces(params) {
    var form = h('form', { class: 'filters', id: 'trace-filters' },
      field('Search', h('input', { name: 'name', type: 'search', placeholder: 'root span name contains…', value: params.get('name') || '' })),
      field('Time', select('since', RANGES, params.get('since'))),
      field('Root status', select('status', [['', 'Any'], ['error', 'Error'], ['ok', 'OK (set)'], ['unset', 'Unset']], params.get('status'))),
      field('Errors', select('hasError', [['', 'Any'], ['true', 'With errors'], ['false', 'Without errors']], params.get('hasError'))),
      field('Min duration (ms)', h('input', { name: 'minDurationMs', type: 'number', min: '0', step: 'any', value: params.get('minDurationMs') || '' })),
      field('User', h('input', { name: 'user', value: params.get('user') || '' })),
      field('Workflow', h('input', { name: 'workflow', value: params.get('workflow') || '' })),
      field('Service', h('input', { name: 'service', value: params.get('service') || '' })),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Apply'),
        h('button', { type: 'button', onclick: function () { go('traces'); } }, 'Reset')));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var out = {};
      new FormData(form).forEach(function (v, k) { out[k] = v; });
      go('traces', out);
    });
    var list = table('trace-table', ['Started', 'Trace', 'User', 'Duration', 'Spans', 'LLM calls', 'Tokens in → out', 'Cost', 'Status'], [4, 5, 6, 7]);
    var tbody = list.querySelector('tbody');
    var summary = h('span', { class: 'muted', id: 'trace-count' });
    var more = h('button', { class: 'more', hidden: true }, 'Load more');
    add(view, [h('section', { class: 'card' }, form), h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Traces'), summary), list, more)]);
    var query = toObject(params);
    var shown = 0;
    function load(cursor) {
      var q = Object.assign({}, query, { limit: 50 });
      if (cursor) q.cursor = cursor;
      api('/traces', q).then(function (page) {
        var maxDuration = page.traces.reduce(function (m, t) { return Math.max(m, t.durationMs); }, 0.001);
        page.traces.forEach(function (t) { tbody.appendChild(traceRow(t, maxDuration)); });
        shown += page.traces.length;
        summary.textContent = fmtInt(shown) + ' of ' + fmtInt(page.total);
        if (page.total === 0) emptyRow(tbody, 9, 'No traces match these filters yet.');
        more.hidden = !page.nextCursor;
        more.onclick = function () { load(page.nextCursor); };
      }).catch(showError);
    }
    load();
  }
  function traceRow(t, maxDuration) {
    var failed = t.status === 'error' || t.errorCount > 0;
    return h('tr', { class: 'clickable' + (failed ? ' err' : ''), 'data-trace-id': t.traceId, onclick: function () { go('trace/' + t.traceId); } },
      h('td', { title: fmtTime(t.startMs), class: 'muted' }, relTime(t.startMs)),
      h('td', null, h('div', { class: 'tname' }, t.name),
        h('div', { class: 'sub' }, t.workflow ? h('span', { class: 'chip wf' }, t.workflow) : null, t.service ? h('span', { class: 'muted' }, t.service) : null)),
      h('td', null, t.userId || h('span', { class: 'muted' }, '–')),
      h('td', null, h('div', { class: 'durbar' }, h('i', { style: 'width:' + Math.max(2, Math.round(80 * t.durationMs / maxDuration)) + 'px' }), h('b', null, fmtMs(t.durationMs)))),
      h('td', { class: 'num' }, fmtInt(t.spanCount)),
      h('td', { class: 'num' }, fmtInt(t.llmCalls)),
      h('td', { class: 'num' }, tokens(t.inputTokens, t.outputTokens)),
      h('td', { class: 'num cost' }, t.llmCalls > 0 && t.costUsd > 0 ? fmtUsd(t.costUsd) : '–'),
      h('td', null, statusBadge(t.status, t.errorCount)));
  }

  // ---- one trace: waterfall ----
  function showTrace(id, params) {
    add(view, h('a', { href: '#/traces', class: 'back' }, '← All traces'));
    api('/traces/' + encodeURIComponent(id), { offset: params && params.get('offset') }).then(renderTrace).catch(showError);
  }
  // Rows of the waterfall, parents before children, with a stack of its own: a trace can nest deeper than recursion goes.
  function waterfallRows(roots) {
    var rows = [];
    var stack = roots.slice().reverse().map(function (n) { return { span: n, depth: 0 }; });
    while (stack.length > 0) {
      var r = stack.pop();
      rows.push(r);
      for (var i = r.span.children.length - 1; i >= 0; i--) stack.push({ span: r.span.children[i], depth: r.depth + 1 });
    }
    return rows;
  }
  // "Showing N of M spans", when the page does not hold the whole trace, with links to the other pages.
  function pageNote(data) {
    var p = data.page;
    if (!p || (p.offset === 0 && p.nextOffset === null && p.stored === p.total)) return null;
    var id = data.trace.traceId;
    var text = 'Showing spans ' + fmtInt(p.offset + 1) + '–' + fmtInt(p.offset + p.shown) + ' of ' + fmtInt(p.total);
    if (p.stored < p.total) text += ' (' + fmtInt(p.stored) + ' stored; ' + fmtInt(p.total - p.stored) + ' past the per-trace cap were counted, not stored)';
    return h('div', { class: 'page-note', id: 'span-page' }, text + '. ',
      p.offset > 0 ? h('a', { href: '#/trace/' + id + (p.offset > 500 ? '?offset=' + (p.offset - 500) : '') }, '← earlier spans') : null,
      p.offset > 0 && p.nextOffset !== null ? ' · ' : null,
      p.nextOffset !== null ? h('a', { href: '#/trace/' + id + '?offset=' + p.nextOffset }, 'later spans →') : null);
  }
  function renderTrace(data) {
    var t = data.trace;
    var rows = waterfallRows(data.roots);
    var t0 = rows.reduce(function (m, r) { return Math.min(m, r.span.startMs); }, t.startMs);
    var t1 = rows.reduce(function (m, r) { return Math.max(m, r.span.endMs); }, t.endMs);
    var total = Math.max(t1 - t0, 0.001);
    var groupOf = {};
    data.parallelGroups.forEach(function (g, i) { g.spans.forEach(function (s) { groupOf[s.spanId] = i + 1; }); });
    var meta = [
      ['Duration', fmtMs(t.durationMs)], ['Cost', t.llmCalls > 0 && t.costUsd > 0 ? fmtUsd(t.costUsd) : '–'], ['Tokens in → out', tokens(t.inputTokens, t.outputTokens)],
      ['LLM calls', fmtInt(t.llmCalls)], ['Spans', fmtInt(t.spanCount)], ['Started', fmtTime(t.startMs)],
      ['User', t.userId || '–'], ['Workflow', t.workflow || '–'], ['Service', t.service || '–'], ['Trace ID', t.traceId]
    ];
    if (t.tenantId) meta.splice(7, 0, ['Tenant', t.tenantId]);
    add(view, h('section', { class: 'card', id: 'trace-summary' },
      h('div', { class: 'trace-head' }, h('h1', null, t.name), statusBadge(t.status, t.errorCount), t.errorType ? h('span', { class: 'chip' }, t.errorType) : null),
      h('div', { class: 'meta' }, meta.map(function (m) { var id = m[0] === 'Trace ID'; return h('div', { class: id ? 'wide' : null }, h('span', null, m[0]), h('b', { class: id ? 'mono' : null }, m[1])); }))));
    if (data.parallelGroups.length > 0) {
      add(view, h('section', { class: 'card', id: 'parallel-groups' },
        h('div', { class: 'card-head' }, h('h2', null, 'Parallel execution'), h('span', { class: 'muted' }, 'sibling spans whose time ranges overlap')),
        h('ul', { class: 'par-list' }, data.parallelGroups.map(function (g, i) {
          var speedup = g.wallMs > 0 ? g.sequentialMs / g.wallMs : 1;
          return h('li', null, h('b', null, '∥' + (i + 1) + '  ' + g.spans.length + ' spans in parallel'),
            ' under ', h('code', null, g.parentName || '(root)'), ': ', g.spans.map(function (s) { return s.name; }).join(', '),
            h('span', { class: 'muted' }, ' — ' + fmtMs(g.wallMs) + ' wall vs ' + fmtMs(g.sequentialMs) + ' one after another (' + speedup.toFixed(1) + '× faster)'));
        }))));
    }
    var wf = h('div', { class: 'wf', id: 'waterfall' });
    var ticks = [0, 0.25, 0.5, 0.75, 1].map(function (p, i, all) {
      return h('span', { class: 'tick' + (i === 0 ? ' first' : i === all.length - 1 ? ' last' : ''), style: 'left:' + (p * 100) + '%' }, fmtMs(total * p));
    });
    wf.appendChild(h('div', { class: 'wf-row wf-axis' }, h('div', { class: 'wf-name' }, 'Span'), h('div', { class: 'wf-track' }, ticks), h('div', { class: 'wf-cost' }, 'Cost')));
    rows.forEach(function (r) { wf.appendChild(waterfallRow(r.span, r.depth, t0, total, groupOf[r.span.spanId])); });
    var roles = {};
    rows.forEach(function (r) { roles[r.span.role || 'other'] = true; });
    add(view, h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Waterfall'), h('span', { class: 'muted' }, 'click a span for its attributes and events')),
      pageNote(data),
      wf,
      h('div', { class: 'legend', style: 'margin-top:10px' }, Object.keys(roles).map(function (role) {
        return h('span', null, h('i', { class: 'role-' + role }), ROLES[role] || 'span');
      }), data.parallelGroups.length > 0 ? h('span', null, h('i', { style: 'background:var(--par)' }), 'ran in parallel') : null)));
  }
  function waterfallRow(s, depth, t0, total, group) {
    var left = (s.startMs - t0) / total * 100;
    var width = Math.max(s.durationMs / total * 100, 0.2);
    var failed = s.status === 'error' || !!s.errorType;
    var end = left + width;
    // The duration goes after the bar, else before it, else (a bar spanning the row) inside it.
    var place = end <= 86 ? 'left:' + end + '%;margin-left:6px'
      : left >= 14 ? 'right:' + (100 - left) + '%;margin-right:6px'
      : 'right:' + (100 - end) + '%;margin-right:6px;color:#fff;font-weight:600';
    var label = h('span', { class: 'wf-dur', style: place }, fmtMs(s.durationMs));
    var own = s.costUsd !== null && s.costUsd !== undefined;
    var cost = own ? h('div', { class: 'wf-cost own' }, fmtUsd(s.costUsd))
      : s.totalCostUsd ? h('div', { class: 'wf-cost sum', title: 'total of the calls under this span' }, 'Σ ' + fmtUsd(s.totalCostUsd))
      : h('div', { class: 'wf-cost muted' }, '');
    var row = h('div', { class: 'wf-row' + (failed ? ' err' : '') + (group ? ' par' : ''), 'data-span-id': s.spanId, 'data-role': s.role || 'other', 'data-parallel-group': group || null },
      h('div', { class: 'wf-name', style: 'padding-left:' + (8 + depth * 18) + 'px', title: s.name },
        roleTag(s.role), h('span', { class: 'label' }, s.name), group ? h('span', { class: 'par-tag', title: 'ran in parallel with its siblings (group ' + group + ')' }, '∥' + group) : null),
      h('div', { class: 'wf-track' }, h('div', { class: 'wf-bar role-' + (s.role || 'other') + (failed ? ' err' : ''), style: 'left:' + left + '%;width:' + width + '%' }), label),
      cost);
    row.addEventListener('click', function () {
      document.querySelectorAll('.wf-row.selected').forEach(function (el) { el.classList.remove('selected'); });
      row.classList.add('selected');
      openPanel(s, t0);
    });
    return row;
  }

  // ---- span details ----
  function kvTable(pairs) {
    return h('table', { class: 'kv' }, pairs.map(function (p) { return h('tr', null, h('td', null, p[0]), h('td', null, p[1])); }));
  }
  function show(v) { return typeof v === 'string' ? v : JSON.stringify(v); }
  function openPanel(s, t0) {
    panel.textContent = '';
    var facts = [['Span ID', s.spanId], ['Parent', s.parentSpanId || '(root)'], ['Role', s.role || '–'], ['Kind', s.kind],
      ['Status', s.status + (s.statusMessage ? ': ' + s.statusMessage : '')], ['Starts at', '+' + fmtMs(s.startMs - t0)], ['Duration', fmtMs(s.durationMs)]];
    if (s.provider) facts.push(['Provider', s.provider]);
    if (s.model) facts.push(['Model', s.model]);
    if (s.inputTokens !== null || s.outputTokens !== null) facts.push(['Tokens in → out', tokens(s.inputTokens, s.outputTokens)]);
    if (s.costUsd !== null) facts.push(['Cost', fmtUsd(s.costUsd)]);
    if (s.totalCostUsd !== null && s.totalCostUsd !== s.costUsd) facts.push(['Cost of subtree', fmtUsd(s.totalCostUsd)]);
    if (s.errorType) facts.push(['Error type', s.errorType]);
    var keys = Object.keys(s.attributes).sort();
    add(panel, [
      h('button', { class: 'close', onclick: closePanel, title: 'Close' }, '×'),
      h('h2', null, s.name),
      h('div', null, roleTag(s.role), ' ', statusBadge(s.status, s.errorType ? 1 : 0)),
      h('h3', null, 'Span'), kvTable(facts),
      h('h3', null, 'Attributes (' + keys.length + ')'), kvTable(keys.map(function (k) { return [k, show(s.attributes[k])]; })),
      s.events.length > 0 ? h('h3', null, 'Events (' + s.events.length + ')') : null,
      s.events.map(function (e) {
        var a = e.attributes || {};
        var isException = e.name === 'exception';
        return h('div', { class: 'event' + (isException ? ' exception' : '') },
          h('b', null, e.name), h('span', { class: 'muted' }, '  +' + fmtMs(e.timeMs - t0)),
          isException ? h('div', null, show(a['exception.type'] || ''), a['exception.message'] ? ': ' + show(a['exception.message']) : '') : null,
          isException && a['exception.stacktrace'] ? h('pre', null, show(a['exception.stacktrace'])) : null,
          !isException && Object.keys(a).length > 0 ? kvTable(Object.keys(a).map(function (k) { return [k, show(a[k])]; })) : null);
      })
    ]);
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  function closePanel() {
    panel.hidden = true;
    document.querySelectorAll('.wf-row.selected').forEach(function (el) { el.classList.remove('selected'); });
  }
`;

/**
 * Cost, slowest-nodes and errors views.
 * Part of the explorer page script (see explorer-page.script.ts); plain browser JavaScript kept as a string.
 */
export const PAGE_SCRIPT_REPORTS = String.raw`
  // ---- cost ----
  function showCost(params) {
    var groupBy = params.get('groupBy') || 'user';
    var since = params.get('since') || DEFAULT_REPORT_RANGE;
    var seg = h('div', { class: 'segmented', id: 'cost-groups' }, GROUPS.map(function (g) {
      return h('button', { type: 'button', class: g[0] === groupBy ? 'active' : null, 'data-group': g[0], onclick: function () { go('cost', { groupBy: g[0], since: since }); } }, g[1]);
    }));
    var range = select('since', REPORT_RANGES, since);
    range.addEventListener('change', function () { go('cost', { groupBy: groupBy, since: range.value }); });
    var kpis = h('div', { class: 'cards', id: 'cost-totals' });
    var label = (GROUPS.filter(function (g) { return g[0] === groupBy; })[0] || [groupBy, groupBy])[1];
    var list = table('cost-table', [label, 'Cost', 'Share', 'LLM calls', 'Input tokens', 'Output tokens', 'Traces', 'Unpriced calls', 'Not sampled'], [1, 2, 3, 4, 5, 6, 7, 8]);
    add(view, [h('section', { class: 'card' }, h('div', { class: 'toolbar' }, h('h2', null, 'Cost by'), seg, field('Time', range))), kpis,
      h('section', { class: 'card' }, list)]);
    api('/cost', { groupBy: groupBy, since: since, limit: 200 }).then(function (r) {
      var t = r.total;
      [['Total cost', fmtUsd(t.costUsd)], ['LLM calls', fmtInt(t.llmCalls)], ['Input tokens', fmtInt(t.inputTokens)],
        ['Output tokens', fmtInt(t.outputTokens)], ['Traces', fmtInt(t.traces)], ['Unpriced calls', fmtInt(t.unpricedCalls)],
        ['Calls not sampled', fmtInt(t.unsampledCalls)]].forEach(function (k) {
        kpis.appendChild(h('div', { class: 'kpi' }, h('span', null, k[0]), h('b', null, k[1])));
      });
      var tbody = list.querySelector('tbody');
      var max = r.rows.reduce(function (m, row) { return Math.max(m, row.costUsd); }, 0);
      r.rows.forEach(function (row) {
        var share = t.costUsd > 0 ? row.costUsd / t.costUsd : 0;
        tbody.appendChild(h('tr', null,
          h('td', null, row.key === null ? h('span', { class: 'muted' }, '(none)') : h('b', null, row.key)),
          h('td', { class: 'num' }, h('div', { class: 'sharebar' }, h('i', { style: 'width:' + (max > 0 ? Math.max(2, Math.round(120 * row.costUsd / max)) : 2) + 'px' }), h('b', { class: 'cost' }, fmtUsd(row.costUsd)))),
          h('td', { class: 'num muted' }, (share * 100).toFixed(1) + '%'),
          h('td', { class: 'num' }, fmtInt(row.llmCalls)),
          h('td', { class: 'num' }, fmtInt(row.inputTokens)),
          h('td', { class: 'num' }, fmtInt(row.outputTokens)),
          h('td', { class: 'num' }, fmtInt(row.traces)),
          h('td', { class: 'num' }, row.unpricedCalls > 0 ? fmtInt(row.unpricedCalls) : '–'),
          h('td', { class: 'num muted', title: 'calls whose trace was not sampled: in the cost, not in the trace list' }, row.unsampledCalls > 0 ? fmtInt(row.unsampledCalls) : '–')));
      });
      if (r.rows.length === 0) emptyRow(tbody, 9, 'No LLM calls in this time range.');
    }).catch(showError);
  }

  // ---- slowest ----
  function latencyTable(id, first, second, rows) {
    var headers = second ? [first, second] : [first];
    var list = table(id, headers.concat(['Count', 'p50', 'p95', 'Max', 'Avg', 'Errors']), [0, 1, 2, 3, 4, 5].map(function (i) { return i + headers.length; }));
    var tbody = list.querySelector('tbody');
    var max = rows.reduce(function (m, r) { return Math.max(m, r.p95Ms); }, 0.001);
    rows.forEach(function (r) {
      tbody.appendChild(h('tr', null,
        h('td', null, h('b', null, r.key)),
        second ? h('td', { class: 'muted' }, r.detail || '–') : null,
        h('td', { class: 'num' }, fmtInt(r.count)),
        h('td', { class: 'num' }, fmtMs(r.p50Ms)),
        h('td', { class: 'num' }, h('div', { class: 'sharebar' }, h('i', { style: 'background:#fdb022;width:' + Math.max(2, Math.round(90 * r.p95Ms / max)) + 'px' }), h('b', null, fmtMs(r.p95Ms)))),
        h('td', { class: 'num' }, fmtMs(r.maxMs)),
        h('td', { class: 'num muted' }, fmtMs(r.avgMs)),
        h('td', { class: 'num' }, r.errorCount > 0 ? h('span', { class: 'badge error' }, fmtInt(r.errorCount)) : '–')));
    });
    if (rows.length === 0) emptyRow(tbody, headers.length + 6, 'Nothing recorded in this time range.');
    return list;
  }
  function showSlowest(params) {
    var since = params.get('since') || DEFAULT_REPORT_RANGE;
    var range = select('since', REPORT_RANGES, since);
    range.addEventListener('change', function () { go('slowest', { since: range.value }); });
    add(view, h('section', { class: 'card' }, h('div', { class: 'toolbar' }, h('h2', null, 'Slowest nodes and providers'), h('span', { class: 'muted' }, 'nearest-rank p50 / p95, slowest p95 first'), field('Time', range))));
    api('/slowest', { since: since, limit: 25 }).then(function (r) {
      add(view, [
        h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Node types'), h('span', { class: 'muted' }, 'workflow nodes, agent steps and tools')), latencyTable('slowest-nodes', 'Node type', 'Kind', r.nodes)),
        h('div', { class: 'two' },
          h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Models')), latencyTable('slowest-models', 'Model', 'Provider', r.models)),
          h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Providers')), latencyTable('slowest-providers', 'Provider', '', r.providers)))
      ]);
    }).catch(showError);
  }

  // ---- errors ----
  function showErrors(params) {
    var since = params.get('since') || DEFAULT_REPORT_RANGE;
    var range = select('since', REPORT_RANGES, since);
    range.addEventListener('change', function () { go('errors', { since: range.value }); });
    var list = table('errors-table', ['Error type', 'Traces', 'Spans', 'Last seen', 'Last message', ''], [1, 2]);
    add(view, [h('section', { class: 'card' }, h('div', { class: 'toolbar' }, h('h2', null, 'Errors by type'), field('Time', range))), h('section', { class: 'card' }, list)]);
    api('/errors', { since: since, limit: 100 }).then(function (r) {
      var tbody = list.querySelector('tbody');
      r.rows.forEach(function (row) {
        tbody.appendChild(h('tr', { class: 'err' },
          h('td', null, h('b', null, row.errorType)),
          h('td', { class: 'num' }, fmtInt(row.traces)),
          h('td', { class: 'num' }, fmtInt(row.spans)),
          h('td', { title: fmtTime(row.lastSeenMs) }, relTime(row.lastSeenMs)),
          h('td', null, row.lastMessage || h('span', { class: 'muted' }, '–')),
          h('td', null, h('a', { href: '#/trace/' + row.lastTraceId }, 'latest trace →'))));
      });
      if (r.rows.length === 0) emptyRow(tbody, 6, 'No errors in this time range.');
    }).catch(showError);
  }

  // ---- forecast ----
  function showForecast(params) {
    var runs = params.get('runs') || '100';
    var days = params.get('days') || '30';
    var runsInput = h('input', { name: 'runs', type: 'number', min: '0', value: runs });
    var daysInput = h('input', { name: 'days', type: 'number', min: '1', value: days });
    var apply = function () { go('forecast', { runs: runsInput.value, days: daysInput.value }); };
    runsInput.addEventListener('change', apply);
    daysInput.addEventListener('change', apply);
    var list = table('forecast-table', ['Workflow', 'Next ' + runs + ' runs', 'p95 budget', 'Next ' + days + ' days', 'Runs / day', 'Mean run', 'p95 run', 'Runs seen', 'Unpriced runs'], [1, 2, 3, 4, 5, 6, 7, 8]);
    add(view, [h('section', { class: 'card' }, h('div', { class: 'toolbar' }, h('h2', null, 'Forecast'), h('span', { class: 'muted' }, 'expected spend per workflow, from the last 30 days of stored runs'),
      field('Runs', runsInput), field('Days', daysInput))), h('section', { class: 'card' }, list)]);
    api('/forecast', { runs: runs, days: days }).then(function (r) {
      var tbody = list.querySelector('tbody');
      r.forecasts.forEach(function (f) {
        tbody.appendChild(h('tr', null,
          h('td', null, h('b', null, f.workflow)),
          h('td', { class: 'num' }, h('b', { class: 'cost' }, fmtUsd(f.expectedUsd))),
          h('td', { class: 'num muted' }, fmtUsd(f.p95Usd)),
          h('td', { class: 'num' }, h('b', { class: 'cost' }, fmtUsd(f.expectedUsdForDays))),
          h('td', { class: 'num' }, f.runsPerDay.toFixed(1)),
          h('td', { class: 'num' }, fmtUsd(f.meanRunUsd)),
          h('td', { class: 'num muted' }, fmtUsd(f.p95RunUsd)),
          h('td', { class: 'num' }, fmtInt(f.observedRuns)),
          h('td', { class: 'num' }, f.unpricedRuns > 0 ? fmtInt(f.unpricedRuns) : '–')));
      });
      if (r.forecasts.length === 0) emptyRow(tbody, 9, 'No workflow runs with provider calls in the last 30 days.');
    }).catch(showError);
  }
`;

/**
 * The report's own script (runs in the browser): reads the embedded result and draws the charts
 * with Chart.js. Plain ES2017, no template literals (it lives in a TypeScript string).
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('result').textContent);
  var COLORS = { openai: '#10a37f', anthropic: '#d97757', google: '#4285f4', xai: '#444444', deepseek: '#4d6bfe', moonshot: '#9b59b6' };
  var STATE_COLORS = { closed: 'rgba(46,160,67,0.55)', half_open: 'rgba(219,171,9,0.75)', open: 'rgba(218,54,51,0.8)', isolated: 'rgba(110,118,129,0.8)' };
  var KIND_COLORS = ['#da3633', '#db6d28', '#d29922', '#8957e5', '#1f6feb', '#3fb950', '#6e7681', '#bf4b8a', '#0aa2c0'];
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 11;
  Chart.defaults.maintainAspectRatio = false;
  var charts = [];
  function clock(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    var m = Math.floor(s / 60);
    return (m < 10 ? '0' : '') + m + ':' + (s % 60 < 10 ? '0' : '') + (s % 60);
  }
  var timeAxis = { type: 'linear', min: 0, max: data.simulatedMs, ticks: { callback: function (v) { return clock(v); }, maxTicksLimit: 12 }, title: { display: true, text: 'simulated time (mm:ss)' } };
  function canvasIn(containerId, title, height) {
    var box = document.createElement('figure');
    box.className = 'chart';
    var caption = document.createElement('figcaption');
    caption.textContent = title;
    var holder = document.createElement('div');
    holder.style.height = (height || 220) + 'px';
    holder.style.position = 'relative';
    var canvas = document.createElement('canvas');
    canvas.setAttribute('data-chart', title);
    holder.appendChild(canvas);
    box.appendChild(caption);
    box.appendChild(holder);
    document.getElementById(containerId).appendChild(box);
    return canvas;
  }
  function draw(canvas, config) {
    charts.push(new Chart(canvas, config));
  }
  var samples = data.timeline.samples;
  var providers = data.providers;

  // Admitted requests and tokens per provider against the limit lines.
  providers.forEach(function (id) {
    var result = data.perProvider[id];
    var limits = result.limits;
    var admitted = data.timeline.providerAdmitted[id] || [];
    var used = samples.some(function (s) { return s.providers[id] && (s.providers[id].requestsLastMinute > 0 || s.providers[id].state !== 'closed'); });
    var title = id + ' (' + result.tier + '): admitted per minute vs its limits' + (used ? '' : ' (no traffic)');
    var tokenLimit = limits.tokensPerMinute || ((limits.inputTokensPerMinute || 0) + (limits.outputTokensPerMinute || 0)) || null;
    var datasets = [
      { label: 'requests/min (our limiter)', data: samples.map(function (s) { return { x: s.atMs, y: s.providers[id] ? s.providers[id].requestsLastMinute : 0 }; }), borderColor: COLORS[id], backgroundColor: COLORS[id], pointRadius: 0, borderWidth: 2, yAxisID: 'requests' },
      { label: 'requests/min (provider ledger)', data: admitted.map(function (a) { return { x: a.atMs, y: a.requests }; }), borderColor: COLORS[id], borderDash: [2, 3], pointRadius: 0, borderWidth: 1, yAxisID: 'requests' },
      { label: 'tokens/min (provider ledger)', data: admitted.map(function (a) { return { x: a.atMs, y: a.tokens }; }), borderColor: '#8b949e', pointRadius: 0, borderWidth: 1.5, yAxisID: 'tokens' }
    ];
    if (limits.requestsPerMinute) datasets.push({ label: 'RPM limit', data: [{ x: 0, y: limits.requestsPerMinute }, { x: data.simulatedMs, y: limits.requestsPerMinute }], borderColor: '#da3633', borderDash: [8, 4], pointRadius: 0, borderWidth: 1.5, yAxisID: 'requests' });
    if (tokenLimit) datasets.push({ label: limits.tokensPerMinute ? 'TPM limit' : 'ITPM + OTPM limit', data: [{ x: 0, y: tokenLimit }, { x: data.simulatedMs, y: tokenLimit }], borderColor: '#f0883e', borderDash: [8, 4], pointRadius: 0, borderWidth: 1.5, yAxisID: 'tokens' });
    draw(canvasIn('admitted', title, 200), {
      type: 'line',
      data: { datasets: datasets },
      options: { parsing: false, scales: { x: timeAxis, requests: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'requests/min' } }, tokens: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'tokens/min' } } } }
    });
  });

  // Queue depth.
  draw(canvasIn('queues', 'Requests waiting in each provider\'s limiter queue'), {
    type: 'line',
    data: { datasets: providers.map(function (id) { return { label: id, data: samples.map(function (s) { return { x: s.atMs, y: s.providers[id] ? s.providers[id].queued : 0 }; }), borderColor: COLORS[id], backgroundColor: COLORS[id], pointRadius: 0, borderWidth: 2, stepped: true }; }) },
    options: { parsing: false, scales: { x: timeAxis, y: { beginAtZero: true, title: { display: true, text: 'queued' } } } }
  });

  // Breaker states as bands, with the incidents above them.
  var rows = [];
  var bands = [];
  data.scenario.incidents.forEach(function (label, index) { rows.push('incident ' + (index + 1)); });
  var incidentSpans = [];
  data.incidents.forEach(function (mark) {
    if (mark.phase === 'start') incidentSpans.push({ provider: mark.provider, kind: mark.kind, from: mark.atMs, until: data.simulatedMs });
    else for (var i = incidentSpans.length - 1; i >= 0; i--) if (incidentSpans[i].provider === mark.provider && incidentSpans[i].kind === mark.kind && incidentSpans[i].until === data.simulatedMs) { incidentSpans[i].until = mark.atMs; break; }
  });
  rows = incidentSpans.map(function (s) { return s.provider + ' ' + s.kind; });
  incidentSpans.forEach(function (s, i) { bands.push({ row: rows[i], from: s.from, until: s.until, state: 'incident' }); });
  providers.forEach(function (id) {
    var row = id + ' breaker';
    rows.push(row);
    var state = 'closed';
    var since = 0;
    // In a fleet, each process has its own view of a shared breaker: the bands show the first one's.
    data.transitions.filter(function (t) { return t.provider === id && !t.worker; }).forEach(function (t) {
      bands.push({ row: row, from: since, until: Math.max(since, t.atMs), state: state });
      state = t.to;
      since = t.atMs;
    });
    bands.push({ row: row, from: since, until: data.simulatedMs, state: state });
  });
  var bandStates = ['incident', 'closed', 'half_open', 'open', 'isolated'];
  var bandColors = { incident: 'rgba(110,118,129,0.45)' };
  draw(canvasIn('breakers', 'Circuit breaker states (bands) and the injected incidents' + (data.workers > 1 ? ' (breakers as worker 1 saw them)' : ''), 60 + rows.length * 26), {
    type: 'bar',
    data: {
      labels: rows,
      datasets: bandStates.map(function (state) {
        return {
          label: state === 'incident' ? 'incident' : state.replace('_', '-'),
          data: bands.filter(function (b) { return b.state === state; }).map(function (b) { return { y: b.row, x: [b.from, Math.max(b.until, b.from + data.simulatedMs / 400)] }; }),
          backgroundColor: bandColors[state] || STATE_COLORS[state],
          borderSkipped: false,
          barPercentage: 0.8,
          categoryPercentage: 1,
          grouped: false
        };
      })
    },
    options: { indexAxis: 'y', parsing: { xAxisKey: 'x', yAxisKey: 'y' }, scales: { x: timeAxis, y: { type: 'category', labels: rows } }, plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ' ' + clock(c.raw.x[0]) + '-' + clock(c.raw.x[1]); } } } } }
  });

  // Latency percentiles.
  var latency = data.timeline.latency;
  draw(canvasIn('latency', 'Latency per alert by when it finished (simulated seconds; queueing, retries and fallbacks included)'), {
    type: 'line',
    data: { datasets: [['p50', '#3fb950'], ['p95', '#d29922'], ['p99', '#da3633']].map(function (p) { return { label: p[0], data: latency.map(function (w) { return { x: w.atMs, y: w[p[0]] / 1000 }; }), borderColor: p[1], backgroundColor: p[1], pointRadius: 1.5, borderWidth: 2 }; }) },
    options: { parsing: false, scales: { x: timeAxis, y: { beginAtZero: true, title: { display: true, text: 'seconds' } } } }
  });

  // Failed attempts by cause.
  var windowMs = Math.max(data.timeline.sampleMs, data.simulatedMs / 40);
  var kinds = [];
  data.timeline.attemptFailures.forEach(function (f) { var k = f.provider + ' ' + f.kind; if (kinds.indexOf(k) < 0) kinds.push(k); });
  var windows = Math.ceil(data.simulatedMs / windowMs) + 1;
  draw(canvasIn('errors', 'Failed attempts by provider and cause (each retried or passed to the next provider)'), {
    type: 'bar',
    data: {
      datasets: kinds.map(function (k, i) {
        var counts = [];
        for (var w = 0; w < windows; w++) counts.push({ x: (w + 0.5) * windowMs, y: 0 });
        data.timeline.attemptFailures.forEach(function (f) { if (f.provider + ' ' + f.kind === k) counts[Math.min(windows - 1, Math.floor(f.atMs / windowMs))].y++; });
        return { label: k, data: counts, backgroundColor: KIND_COLORS[i % KIND_COLORS.length], stack: 'failures' };
      })
    },
    options: { parsing: false, scales: { x: Object.assign({}, timeAxis, { stacked: true }), y: { stacked: true, beginAtZero: true, title: { display: true, text: 'failed attempts' } } } }
  });

  document.body.setAttribute('data-charts', String(charts.length));
  window.__reportCharts = charts.length;
})();
`;

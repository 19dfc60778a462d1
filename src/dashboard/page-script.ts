/** The dashboard page's script: plain DOM, fed by the `snapshot` events of the stream below the page's path. */
// Every value is rendered as text (textContent), never as markup: messages quote provider bodies.
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  // The stream sits below the page's own path, wherever the handler is mounted.
  var base = location.pathname.replace(/\/+$/, '');
  var connectionEl = document.getElementById('connection');
  var source = null;
  var lastSnapshotAt = 0;
  var intervalMs = 1000;

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    if (attributes) for (var name in attributes) if (attributes[name] !== undefined && attributes[name] !== null) node.setAttribute(name, String(attributes[name]));
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    });
    return node;
  }
  function number(value) {
    return typeof value === 'number' && isFinite(value) ? Math.round(value).toLocaleString('en-US') : '?';
  }
  function seconds(ms) {
    return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s';
  }
  function time(at) {
    return new Date(at).toLocaleTimeString();
  }
  function setConnection(state, text) {
    connectionEl.setAttribute('data-state', state);
    connectionEl.textContent = text || state;
  }
  function bar(fraction) {
    var clamped = Math.max(0, Math.min(1, fraction));
    var fill = el('div', { class: 'fill', 'data-level': clamped > 0.5 ? 'ok' : clamped > 0.2 ? 'low' : 'empty' });
    fill.style.width = (clamped * 100).toFixed(1) + '%';
    return el('div', { class: 'bar' }, [fill]);
  }
  function row(label, value, testId) {
    return el('div', { class: 'row' }, [el('span', { class: 'muted' }, [label]), el('span', { 'data-testid': testId }, [value])]);
  }
  function counter(label, value, testId) {
    return el('div', null, [el('b', { 'data-testid': testId }, [number(value)]), el('span', { class: 'muted' }, [label])]);
  }

  function limiterRows(limiter, children) {
    limiter.dimensions.forEach(function (dimension) {
      var known = dimension.remaining !== null;
      children.push(
        el('div', { 'data-testid': 'limit', 'data-dimension': dimension.name }, [
          row(dimension.label, (known ? number(dimension.remaining) : '?') + ' / ' + number(dimension.limit) + ' left', 'limit-' + dimension.name),
          bar(known ? dimension.remaining / dimension.limit : 0),
        ]),
      );
    });
    var concurrency = number(limiter.concurrentRequests) + (limiter.maxConcurrent !== null ? ' / ' + number(limiter.maxConcurrent) : '') + ' in flight';
    children.push(row('concurrency', concurrency, 'concurrency'));
    if (limiter.maxConcurrent !== null) children.push(bar(1 - limiter.concurrentRequests / limiter.maxConcurrent));
    var byPriority = limiter.queuedByPriority;
    children.push(row('queued', number(limiter.queued) + ' (high ' + byPriority.high + ', normal ' + byPriority.normal + ', low ' + byPriority.low + ')', 'queue'));
    children.push(row('paused by provider', limiter.pausedForMs > 0 ? seconds(limiter.pausedForMs) : 'no', 'paused'));
  }

  function card(service) {
    var breaker = service.breaker;
    var limiter = service.limiter;
    var state = breaker ? breaker.state : 'none';
    var children = [
      el('h2', null, [
        el('span', { 'data-testid': 'service-name' }, [service.name]),
        el('span', { class: 'pill', 'data-testid': 'breaker-state', 'data-state': state, title: 'circuit breaker' }, [state]),
      ]),
      row('available', service.available ? 'yes' : 'no', 'service-available'),
    ];
    if (breaker) {
      var detail = breaker.consecutiveFailures + ' failures in a row, ' + breaker.trips + (breaker.trips === 1 ? ' trip' : ' trips');
      if (breaker.nextProbeInMs !== null) detail += ', probe in ' + seconds(breaker.nextProbeInMs);
      children.push(row('breaker', detail, 'breaker-detail'));
    }
    children.push(
      el('div', { class: 'counters' }, [
        counter('requests', service.counters.requests, 'counter-requests'),
        counter('succeeded', service.counters.succeeded, 'counter-succeeded'),
        counter('failed', service.counters.failed, 'counter-failed'),
        counter('retries', service.counters.retries, 'counter-retries'),
      ]),
    );
    if (limiter) {
      limiterRows(limiter, children);
      // A service limited per model: each model's limiter below the service's own.
      (service.modelLimiters || []).forEach(function (entry) {
        var rows = [el('h3', { 'data-testid': 'model-name' }, [entry.model])];
        limiterRows(entry.limiter, rows);
        children.push(el('section', { class: 'model', 'data-testid': 'model-limiter', 'data-model': entry.model }, rows));
      });
    } else {
      children.push(row('rate limits', 'none', 'limits-none'));
    }
    if (service.quotaExhaustedForMs !== null) children.push(row('out of quota', 'retried in ' + seconds(service.quotaExhaustedForMs), 'quota'));
    if (service.issues.length) children.push(el('ul', { class: 'issues', 'data-testid': 'service-issues' }, service.issues.map(function (issue) { return el('li', null, [issue]); })));
    return el('article', { class: 'card', 'data-testid': 'service-card', 'data-service': service.name, 'data-breaker': state }, children);
  }

  function replace(id, children) {
    var node = document.getElementById(id);
    while (node.firstChild) node.removeChild(node.firstChild);
    children.forEach(function (child) { node.appendChild(child); });
  }

  function render(snapshot) {
    intervalMs = snapshot.intervalMs || intervalMs;
    var overall = document.getElementById('overall');
    overall.setAttribute('data-state', snapshot.status);
    overall.textContent = snapshot.status;
    document.getElementById('updated').textContent = 'updated ' + time(snapshot.at);
    replace('issues', snapshot.issues.map(function (issue) { return el('li', null, [issue]); }));
    replace('services', snapshot.services.map(card));
    replace('errors', snapshot.recentErrors.length ? snapshot.recentErrors.map(function (error) {
      return el('tr', { 'data-testid': 'recent-error', 'data-service': error.service, 'data-kind': error.kind }, [
        el('td', null, [time(error.at)]), el('td', null, [error.service]), el('td', null, [error.kind]), el('td', { class: 'message' }, [error.message]),
      ]);
    }) : [el('tr', null, [el('td', { colspan: 4, class: 'muted' }, ['none'])])]);
    replace('transitions', snapshot.recentTransitions.length ? snapshot.recentTransitions.map(function (transition) {
      return el('tr', { 'data-testid': 'recent-transition', 'data-service': transition.service, 'data-to': transition.to }, [
        el('td', null, [time(transition.at)]), el('td', null, [transition.service]), el('td', null, [transition.from + ' \u2192 ' + transition.to]), el('td', null, [transition.reason]),
      ]);
    }) : [el('tr', null, [el('td', { colspan: 4, class: 'muted' }, ['none'])])]);
  }

  function connect() {
    setConnection('connecting');
    source = new EventSource(base + '/events');
    source.onopen = function () { setConnection('live'); };
    source.addEventListener('snapshot', function (event) {
      lastSnapshotAt = Date.now();
      setConnection('live');
      render(JSON.parse(event.data));
    });
    source.onerror = function () {
      setConnection('disconnected', 'disconnected (reconnecting)');
      // EventSource retries a dropped stream by itself, but gives up after an answer that is not a
      // stream (a 503 while the server shuts down): then start over.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, 3000);
      }
    };
  }

  // A stream that stays open but goes silent (a stuck proxy) is as good as dropped.
  setInterval(function () {
    if (lastSnapshotAt && connectionEl.getAttribute('data-state') === 'live' && Date.now() - lastSnapshotAt > 3 * intervalMs + 2000) {
      setConnection('disconnected', 'disconnected (no update)');
    }
  }, 1000);
  connect();
})();
`;

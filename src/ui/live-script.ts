// The dashboard's only script, served as /ui/assets/live.js. Pages work without it (a running task's page then
// reloads itself through <noscript><meta refresh>); with it, an element carrying `data-events="<url>"` follows that
// Server-Sent Events stream instead:
// - `update` events carry { text: { elementId: text }, progress?: { id, value, max } }: each element's text is
//   replaced (textContent only: the stream never writes markup);
// - `rows` events carry { table: tbodyId, rows: [[cell, …], …] }: rows appended to a table body (failures as they
//   happen), each cell text;
// - `end` reloads the page once, to show the final state the server renders;
// - a refused stream (too many live views) falls back to reloading the page every 5 seconds.
// The script is plain ES2017, kept small enough to read in one sitting; no framework, no build step.
export const LIVE_SCRIPT = `'use strict';
(function () {
  var live = document.querySelector('[data-events]');
  if (!live || typeof EventSource === 'undefined') return;
  var source = new EventSource(live.getAttribute('data-events'));
  source.addEventListener('update', function (e) {
    var data = JSON.parse(e.data);
    Object.keys(data.text || {}).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.textContent = data.text[id];
    });
    if (data.progress) {
      var bar = document.getElementById(data.progress.id);
      if (bar) { bar.max = data.progress.max; bar.value = data.progress.value; }
    }
  });
  source.addEventListener('rows', function (e) {
    var data = JSON.parse(e.data);
    var body = document.getElementById(data.table);
    if (!body) return;
    var empty = document.getElementById(data.table + '-empty');
    if (empty) empty.hidden = true;
    data.rows.forEach(function (cells) {
      var tr = document.createElement('tr');
      cells.forEach(function (text) {
        var td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  });
  source.addEventListener('end', function () {
    source.close();
    window.location.reload();
  });
  // Refused (ddlocal serves too many live views, or restarted without the task): reload now and then instead.
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) setTimeout(function () { window.location.reload(); }, 5000);
  };
})();
`;

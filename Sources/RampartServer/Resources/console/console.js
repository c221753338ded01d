// Rampart console: the only script. Every page works without it; it adds the overview's self-refresh.
(function () {
  "use strict";
  var overview = document.getElementById("overview");
  if (!overview) return;
  var seconds = parseInt(overview.getAttribute("data-refresh"), 10);
  if (!(seconds > 0)) return;
  // Submitting a filter reloads the page with the filter in the URL; the refresh fetches that same URL, so the
  // filter and the sort are kept.
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("overview");
        if (!fresh) return;
        overview.innerHTML = fresh.innerHTML;
        // Sooner while analyses are pending (the server says so).
        var next = parseInt(fresh.getAttribute("data-refresh"), 10);
        if (next > 0) seconds = next;
      })
      .catch(function () {})
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
  // Changing a filter applies it at once.
  ["status", "verdict", "sort"].forEach(function (id) {
    var select = document.getElementById(id);
    if (select) select.addEventListener("change", function () { document.getElementById("filters").submit(); });
  });
})();

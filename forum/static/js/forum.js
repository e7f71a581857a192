// Conveniences on top of pages that work without JavaScript:
// - the language switcher submits itself when a language is chosen;
// - an open thread's last page fetches new posts every few seconds.
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });

  var list = document.getElementById("posts");
  if (!list || list.dataset.live !== "1") { return; }

  var POLL_MS = 5000;
  var busy = false;
  var timer = null;

  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    var url = list.dataset.liveUrl + "?after=" + encodeURIComponent(list.dataset.lastNumber);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        // Gone or no longer allowed (thread moved, access ended): stop asking.
        if (response.status === 403 || response.status === 404) {
          window.clearInterval(timer);
          document.removeEventListener("visibilitychange", poll);
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        var last = response.headers.get("X-Last-Number");
        return response.text().then(function (html) { return { html: html, last: last }; });
      })
      .then(function (result) {
        if (result.html.trim()) {
          var template = document.createElement("template");
          template.innerHTML = result.html;
          template.content.querySelectorAll("li.post").forEach(function (item) {
            if (!document.getElementById(item.id)) { list.appendChild(item); }
          });
        }
        if (result.last) { list.dataset.lastNumber = result.last; }
      })
      .catch(function () { /* try again at the next tick */ })
      .finally(function () { busy = false; });
  }

  timer = window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
})();

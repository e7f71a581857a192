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
        // 204: nothing new since lastNumber (an empty body, the same X-Last-Number).
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

// A live character count under long text fields (the server's limit still applies without it).
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-count]").forEach(function (area) {
    var counter = document.getElementById(area.dataset.count);
    if (!counter) { return; }
    var locale = document.documentElement.lang || undefined;
    function update() {
      counter.textContent = counter.dataset.template.replace("{used}", area.value.length.toLocaleString(locale));
      counter.classList.toggle("near-limit", area.value.length > 0.9 * area.maxLength);
    }
    counter.hidden = false;
    area.setAttribute("aria-describedby", ((area.getAttribute("aria-describedby") || "") + " " + counter.id).trim());
    area.addEventListener("input", update);
    update();
  });
})();

// A form that came back with errors: focus its first invalid field. Browsers skip `autofocus` when the
// address has a fragment (#reply), and without JavaScript the fragment still brings the reader to the form.
(function () {
  "use strict";
  var invalid = document.querySelector("form [aria-invalid=true]");
  if (!invalid) { return; }
  // After the load and the scroll to the fragment, which would otherwise take the focus away again.
  window.addEventListener("load", function () {
    window.setTimeout(function () { invalid.focus(); }, 0);
  });
})();

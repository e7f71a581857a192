// A "Copy" button after each field marked data-copy-label, where the browser lets a page write
// the clipboard. Without JavaScript the field is still there to select and copy by hand.
(function () {
  "use strict";

  document.querySelectorAll("input[data-copy-label]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
    if (!navigator.clipboard || !window.isSecureContext) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = field.dataset.copyLabel;
    var status = document.createElement("span");
    status.setAttribute("role", "status");
    status.className = "help";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        status.textContent = field.dataset.copiedLabel;
      });
    });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  });
})();

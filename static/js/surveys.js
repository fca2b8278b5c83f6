// The survey form without a server round trip: the code from the QR link's fragment, questions
// hidden by skip logic, and the answers kept in this browser only (never sent until "Check").
(function () {
  "use strict";
  var form = document.querySelector("form[data-save-key]");
  var cleared = document.querySelector("[data-clear-saved]");
  if (cleared) { try { localStorage.removeItem(cleared.getAttribute("data-clear-saved")); } catch (e) {} }
  if (!form) { return; }
  var key = form.getAttribute("data-save-key");
  var match = /(?:^#|&)code=([A-Za-z0-9-]+)/.exec(location.hash);
  var code = form.querySelector("[name=code]");
  if (match && code && !code.value) { code.value = match[1]; history.replaceState(null, "", location.pathname); }

  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || form.querySelector("[aria-invalid=true], .field-error")) { return; }
    Object.keys(saved).forEach(function (name) {
      form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") { input.checked = saved[name].indexOf(input.value) >= 0; }
        else if (!input.value) { input.value = saved[name][0] || ""; }
      });
    });
  }
  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!/^q\d+/.test(input.name)) { return; }
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { data[input.name] = data[input.name] || []; return; }
      (data[input.name] = data[input.name] || []).push(input.value);
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) {}
  }
  function applySkips() {
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var chosen = form.querySelector('[name="' + box.getAttribute("data-show-if") + '"]:checked');
      box.hidden = !(chosen && chosen.value === box.getAttribute("data-show-if-choice"));
    });
  }
  restore();
  applySkips();
  form.addEventListener("change", function () { applySkips(); save(); });
  form.addEventListener("input", save);
})();

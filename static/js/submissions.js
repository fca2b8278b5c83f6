/* Progressive enhancement for the submission pages; everything works without it.
   - a live character count under each opinion (the server checks the limit again on submit)
   - the import progress bar refreshes itself while the job runs
   - a private lookup link (/lookup?receipt=…#code=…) fills in the code from its fragment, drops it
     from the address bar and sends the form; without the script the reader types the code */
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function watchCount(textarea) {
    var max = parseInt(textarea.getAttribute("data-maxlength"), 10);
    var output = document.getElementById(textarea.id + "-count");
    if (!max || !output) { return; }
    function update() {
      var count = textarea.value.replace(/\r\n/g, "\n").trim().length;
      var over = count - max;
      output.textContent = over > 0
        ? format(textarea.getAttribute("data-over-label"), { over: over })
        : format(textarea.getAttribute("data-count-label"), { count: count, max: max });
      output.classList.toggle("over", over > 0);
    }
    textarea.addEventListener("input", update);
    update();
  }

  function pollImport(box) {
    var url = box.getAttribute("data-status-url");
    if (box.getAttribute("data-state") === "done" || box.getAttribute("data-state") === "failed") { return; }
    var bar = document.getElementById("import-progress");
    var timer = window.setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (run) {
          bar.value = run.progress;
          bar.textContent = run.progress + "%";
          if (run.state === "done" || run.state === "failed") {
            window.clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () { window.clearInterval(timer); });
    }, 2000);
  }

  function lookupFromFragment(form) {
    var match = /(?:^#|&)code=([^&]+)/.exec(window.location.hash);
    if (!match) { return; }
    var code = decodeURIComponent(match[1]);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    var secret = form.querySelector("#secret");
    var receipt = form.querySelector("#receipt");
    if (!secret) { return; }
    secret.value = code;
    if (receipt && receipt.value) { form.submit(); } else if (receipt) { receipt.focus(); }
  }

  document.querySelectorAll("textarea[data-maxlength]").forEach(watchCount);
  var lookupForm = document.querySelector("form[data-code-from-fragment]");
  if (lookupForm) { lookupFromFragment(lookupForm); }
  var importBox = document.getElementById("import-status");
  if (importBox) { pollImport(importBox); }
}());

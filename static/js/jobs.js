/* Moves the progress bar of a background run (templates/jobs/_progress.html) by polling its JSON
   endpoint, and reloads the page once the run has finished so its results show. Without this
   script the page's refresh link does the same. */
(function () {
  "use strict";
  var INTERVAL = 2000;
  if (window.meyasuJobsStarted) { return; }
  window.meyasuJobsStarted = true;

  function follow(box) {
    var url = box.getAttribute("data-job-run");
    var bar = box.querySelector("progress");

    function set(name, value) {
      var element = box.querySelector('[data-job-field="' + name + '"]');
      if (element && element.textContent !== value) { element.textContent = value; }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (status) {
          bar.value = status.progress;
          bar.textContent = status.label;
          set("state_label", status.state_label);
          set("step", status.step);
          set("error", status.error);
          if (status.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, INTERVAL);
          }
        })
        .catch(function () { window.setTimeout(poll, INTERVAL * 5); });
    }

    window.setTimeout(poll, INTERVAL);
  }

  function start() {
    var boxes = document.querySelectorAll("[data-job-run]");
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].getAttribute("data-job-finished") !== "true") { follow(boxes[i]); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

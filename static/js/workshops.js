// Group notes on a tablet with a shaky connection: each note is queued on the device (localStorage),
// sent on its own with a key the server uses to drop duplicates, and resent until the server has it.
// Without this script the same form posts normally and nothing is lost either.
(function () {
  "use strict";

  var form = document.querySelector("form[data-note-form]");
  if (!form || !window.fetch || !window.localStorage) {
    return;
  }
  var storeKey = "meyasu-notes:" + form.getAttribute("action");
  var pendingList = document.getElementById("pending-notes");
  var notesList = document.getElementById("notes");
  var text = form.querySelector("textarea[name=text]");
  var kind = form.querySelector("[name=kind]");
  var keyInput = form.querySelector("input[name=client_key]");
  var csrf = form.querySelector("input[name=csrf_token]");
  var sending = false;
  var delay = 2000;
  var timer = null;

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function load() {
    try {
      return JSON.parse(localStorage.getItem(storeKey)) || [];
    } catch (e) {
      return [];
    }
  }

  function save(queue) {
    localStorage.setItem(storeKey, JSON.stringify(queue));
  }

  function show(item, message, failed) {
    var li = document.getElementById("pending-" + item.key);
    if (!li) {
      li = document.createElement("li");
      li.id = "pending-" + item.key;
      var body = document.createElement("span");
      body.className = "pending-text";
      body.textContent = "[" + item.kind + "] " + item.text;
      var status = document.createElement("span");
      status.className = "pending-status";
      li.appendChild(body);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(status);
      pendingList.appendChild(li);
    }
    li.className = failed ? "pending-failed" : "";
    li.querySelector(".pending-status").textContent = message;
  }

  function saved(item, html) {
    var li = document.getElementById("pending-" + item.key);
    if (li) {
      li.remove();
    }
    var holder = document.createElement("template");
    holder.innerHTML = html;
    notesList.insertBefore(holder.content.firstElementChild, notesList.firstChild);
    var empty = document.getElementById("no-notes");
    if (empty) {
      empty.remove();
    }
  }

  function drop(key) {
    save(load().filter(function (item) { return item.key !== key; }));
  }

  function retryLater() {
    if (timer) {
      return;
    }
    timer = window.setTimeout(function () { timer = null; flush(); }, delay);
    delay = Math.min(delay * 2, 30000);
  }

  function flush() {
    var queue = load();
    if (sending || queue.length === 0) {
      return;
    }
    sending = true;
    var item = queue[0];
    show(item, form.dataset.msgSending, false);
    var body = new URLSearchParams({csrf_token: item.csrf, kind: item.kind, text: item.text, client_key: item.key});
    fetch(item.action, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.ok) {
          return response.json().then(function (data) {
            drop(item.key);
            saved(item, data.html);
            delay = 2000;
          });
        }
        if (response.status >= 500 || response.status === 429) {
          throw new Error("retry");
        }
        // Refused for good (e.g. too long): keep the text on screen so it can be copied and fixed.
        return response.json().catch(function () { return {errors: []}; }).then(function (data) {
          drop(item.key);
          show(item, form.dataset.msgFailed + " " + (data.errors || []).join(" "), true);
        });
      })
      .catch(function () {
        show(item, form.dataset.msgWaiting, false);
        retryLater();
      })
      .then(function () {
        sending = false;
        if (load().length && !timer) {
          flush();
        }
      });
  }

  form.addEventListener("submit", function (event) {
    if (!text.value.trim()) {
      return; // let the server say what is missing, the same way as without JavaScript
    }
    event.preventDefault();
    var item = {action: form.getAttribute("action"), key: keyInput.value, kind: kind.value, text: text.value,
                csrf: csrf.value};
    var queue = load();
    queue.push(item);
    save(queue);
    show(item, form.dataset.msgSending, false);
    text.value = "";
    keyInput.value = newKey();
    text.focus();
    flush();
  });

  window.addEventListener("online", flush);
  load().forEach(function (item) { show(item, form.dataset.msgWaiting, false); });
  flush();
})();

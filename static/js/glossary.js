// Glossary terms (app/reading/terms.py): without this script each marked term is a link to the glossary
// with its explanation as the link's description. With it, the term becomes a disclosure button that
// shows the explanation under the word: Enter or Space opens and closes it, Escape closes it and keeps
// the focus on the word, and screen readers hear "collapsed"/"expanded" (aria-expanded).
(function () {
  "use strict";

  var script = document.currentScript;
  var more = script ? script.getAttribute("data-more") : "";
  var open = null;

  function close(button, focus) {
    var note = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", "false");
    if (note) {
      note.hidden = true;
    }
    if (focus) {
      button.focus();
    }
    if (open === button) {
      open = null;
    }
  }

  function toggle(button) {
    var note = document.getElementById(button.getAttribute("aria-controls"));
    if (button.getAttribute("aria-expanded") === "true") {
      close(button, false);
      return;
    }
    if (open) {
      close(open, false);
    }
    button.setAttribute("aria-expanded", "true");
    note.hidden = false;
    open = button;
  }

  Array.prototype.forEach.call(document.querySelectorAll("main a.glossary-link[aria-describedby]"), function (link) {
    var noteId = link.getAttribute("aria-describedby");
    var note = document.getElementById(noteId);
    if (!note) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "glossary-button";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", noteId);
    while (link.firstChild) {
      button.appendChild(link.firstChild);
    }
    if (more) {
      var to = document.createElement("a");
      to.href = link.getAttribute("href");
      to.className = "glossary-more";
      to.lang = document.documentElement.lang;
      to.textContent = more;
      note.appendChild(document.createTextNode(" "));
      note.appendChild(to);
    }
    link.parentNode.replaceChild(button, link);
    button.addEventListener("click", function () { toggle(button); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && open) {
      close(open, true);
    }
  });
  document.addEventListener("click", function (event) {
    if (open && !open.contains(event.target) && !document.getElementById(open.getAttribute("aria-controls")).contains(event.target)) {
      close(open, false);
    }
  });
}());

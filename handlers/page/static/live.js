// Live reload for the editor's preview. The server sends, after every
// reload of the content, the version it serves and the problems of the
// files on disk. A new version reloads the page, keeping its scroll
// position; problems are shown on the page instead, and the page keeps
// showing the last good content until the files are fixed.
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-version]");
  if (!script || !window.EventSource) {
    return;
  }
  var version = script.getAttribute("data-version");
  var events = script.getAttribute("data-events") || "/preview/events";
  var scrollKey = "morningpost-scroll:" + location.pathname + location.search;
  var box = document.getElementById("live-problems");
  var status = document.getElementById("live-status");

  // Back where the editor was before the reload.
  try {
    var saved = sessionStorage.getItem(scrollKey);
    if (saved !== null) {
      sessionStorage.removeItem(scrollKey);
      var y = parseInt(saved, 10) || 0;
      var restore = function () { window.scrollTo(0, y); };
      restore();
      window.addEventListener("load", restore);
    }
  } catch (e) { /* storage disabled: the browser restores what it can */ }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function showProblems(problems) {
    if (!box) {
      return;
    }
    box.textContent = "";
    var h = document.createElement("h2");
    h.textContent = problems.length === 1
      ? "The content has a problem. Readers still see the last good version."
      : "The content has " + problems.length + " problems. Readers still see the last good version.";
    box.appendChild(h);
    var ul = document.createElement("ul");
    problems.forEach(function (p) {
      var li = document.createElement("li");
      var where = document.createElement("code");
      where.className = "problem-file";
      where.textContent = p.path + (p.line ? ":" + p.line : "");
      li.appendChild(where);
      li.appendChild(document.createTextNode(" " + p.message));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    box.hidden = false;
  }

  function hideProblems() {
    if (box) {
      box.hidden = true;
      box.textContent = "";
    }
  }

  var source = new EventSource(events);
  source.onopen = function () { say("Live"); };
  source.onerror = function () { say("Reconnecting…"); };
  source.onmessage = function (msg) {
    var ev;
    try {
      ev = JSON.parse(msg.data);
    } catch (e) {
      return;
    }
    if (ev.problems && ev.problems.length > 0) {
      showProblems(ev.problems);
      say("Live: waiting for a fix");
      return;
    }
    hideProblems();
    say("Live");
    if (ev.version && ev.version !== version) {
      try {
        sessionStorage.setItem(scrollKey, String(window.scrollY));
      } catch (e) { /* ignore */ }
      source.close();
      location.reload();
    }
  };
})();

// Search in a static copy of the site (morningpost export): the search
// page, served as a file, cannot run the query, so this script does, on
// /search/index.json (content/search's StaticIndex). On a server the
// page comes with its results and this script does nothing.
(function () {
  "use strict";
  var box = document.getElementById("static-search");
  var params = new URLSearchParams(location.search);
  var raw = params.get("q") || "";
  if (!box || raw.trim() === "") return;
  var out = document.getElementById("static-search-results");
  var home = document.getElementById("static-search-home").getAttribute("href").replace(/\/$/, "");
  var input = document.getElementById("search-page-q");
  if (input) input.value = raw;
  document.title = "\u201c" + raw + "\u201d \u2014 " + document.title;
  var perPage = 10;

  function say(text, cls) {
    var p = document.createElement("p");
    p.className = cls || "search-problem";
    if (cls === undefined) p.setAttribute("role", "alert");
    p.textContent = text;
    out.appendChild(p);
  }
  function fold(w) { return w.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase(); }
  function words(text, stems) {
    var found = fold(text).match(/[\p{L}\p{N}]+/gu) || [];
    var ws = [];
    found.forEach(function (w) {
      if (Array.from(w).length > 40) return;
      ws.push(stems[w] || w);
    });
    return ws;
  }
  // parse follows content/search's Parse: words ANDed, "phrases", -exclusions.
  function parse(q, stems) {
    if (q.length > 200) throw "That search is too long: keep it under 200 characters.";
    if (/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(q)) throw "That search holds control characters: type plain text.";
    if ((q.match(/"/g) || []).length % 2) throw "A quotation mark is not closed: put a phrase between two \" marks.";
    var terms = [], re = /(-?)(?:"([^"]*)"|([^\s"]+))/g, m, positive = 0;
    while ((m = re.exec(q)) !== null) {
      var ws = words(m[2] !== undefined ? m[2] : m[3], stems);
      if (!ws.length) continue;
      terms.push({ words: ws, not: m[1] === "-" });
      if (m[1] !== "-") positive++;
      if (terms.length > 8) throw "That search has too many words: use at most 8 words or phrases.";
    }
    if (!terms.length) throw "That search has no words in it: search for letters or digits.";
    if (!positive) throw "A search needs at least one word to find, not only words to leave out (-word).";
    return terms;
  }
  function postings(s) {
    var out = [], last = 0;
    if (!s) return out;
    s.split(",").forEach(function (d) { last += parseInt(d, 36); out.push(last); });
    return out;
  }
  function docsOf(index, term) {
    // Every word of the term (a phrase's words in any order).
    var set = null;
    term.words.forEach(function (w) {
      var p = new Set(postings(index.words[w]));
      set = set === null ? p : new Set(Array.from(set).filter(function (d) { return p.has(d); }));
    });
    return set;
  }
  function mark(parent, text, want, stems) {
    var re = /[\p{L}\p{N}\p{M}]+/gu, at = 0, m;
    while ((m = re.exec(text)) !== null) {
      var f = fold(m[0]);
      if (!want.has(stems[f] || f)) continue;
      parent.appendChild(document.createTextNode(text.slice(at, m.index)));
      var k = document.createElement("mark");
      k.textContent = m[0];
      parent.appendChild(k);
      at = m.index + m[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(at)));
  }
  function link(href, text, rel) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (rel) a.rel = rel;
    return a;
  }

  fetch(document.getElementById("static-search-index").getAttribute("href")).then(function (r) {
    if (!r.ok) throw "The search index could not be loaded (" + r.status + ").";
    return r.json();
  }).then(function (index) {
    var terms = parse(raw, index.stems), hits = null;
    terms.forEach(function (t) {
      if (t.not) return;
      var d = docsOf(index, t);
      hits = hits === null ? d : new Set(Array.from(hits).filter(function (x) { return d.has(x); }));
    });
    terms.forEach(function (t) {
      if (!t.not) return;
      var d = docsOf(index, t);
      hits = new Set(Array.from(hits).filter(function (x) { return !d.has(x); }));
    });
    var want = new Set();
    terms.forEach(function (t) { if (!t.not) t.words.forEach(function (w) { want.add(w); }); });
    var titled = {};
    terms.forEach(function (t) {
      if (t.not) return;
      t.words.forEach(function (w) { postings(index.titles[w]).forEach(function (d) { titled[d] = (titled[d] || 0) + 1; }); });
    });
    // The best first: more of the words in the title, then the newest
    // (articles are numbered newest first).
    var list = Array.from(hits).sort(function (a, b) { return (titled[b] || 0) - (titled[a] || 0) || a - b; });
    if (!list.length) { say("No article has all of these words. Try fewer words, or another spelling.", "search-none"); return; }
    var pages = Math.ceil(list.length / perPage);
    var n = parseInt(params.get("page") || "1", 10);
    if (!(n >= 1 && n <= pages)) { say("There is no page " + params.get("page") + " of this search: it found " + list.length + " articles."); return; }
    var from = (n - 1) * perPage;
    say(list.length + (list.length === 1 ? " article" : " articles") + " found" +
      (pages > 1 ? "; " + (from + 1) + " to " + Math.min(from + perPage, list.length) + " on this page" : "") + ", the best first.", "search-count");
    var ol = document.createElement("ol");
    ol.className = "search-results";
    ol.start = from + 1;
    list.slice(from, from + perPage).forEach(function (i) {
      var d = index.docs[i], li = document.createElement("li");
      var k = document.createElement("p");
      k.className = "kicker";
      k.appendChild(document.createTextNode(d[2] + " \u00b7 "));
      k.appendChild(link(home + "/issues/" + d[3], "Issue #" + d[3]));
      k.appendChild(document.createTextNode(" \u00b7 " + d[4]));
      var h = document.createElement("h2");
      h.className = "headline";
      var a = link(home + d[0], "");
      mark(a, d[1], want, index.stems);
      h.appendChild(a);
      var s = document.createElement("p");
      s.className = "snippet";
      mark(s, d[5], want, index.stems);
      li.append(k, h, s);
      ol.appendChild(li);
    });
    out.appendChild(ol);
    if (pages > 1) {
      var nav = document.createElement("nav");
      nav.className = "pager";
      nav.setAttribute("aria-label", "Pages");
      var base = "?q=" + encodeURIComponent(raw);
      if (n > 1) nav.appendChild(link(base + (n > 2 ? "&page=" + (n - 1) : ""), "\u2190 Better matches", "prev"));
      var span = document.createElement("span");
      span.className = "page-number";
      span.textContent = " Page " + n + " of " + pages + " ";
      nav.appendChild(span);
      if (n < pages) nav.appendChild(link(base + "&page=" + (n + 1), "More results \u2192", "next"));
      out.appendChild(nav);
    }
  }).catch(function (e) { say(typeof e === "string" ? e : "The search could not be run: " + e); });
})();

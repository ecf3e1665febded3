// The site's search box (templates/_search.html gives its markup and strings; see that file's comment).
// Without JavaScript, opened from file://, or before shards.json is read, the box stays a link to the archive.
// A file of its own rather than inline in every page: browsers cache it once for the whole site, and a site can
// serve a Content-Security-Policy without 'unsafe-inline' for scripts.
(function () {
  var box = document.getElementById("site-search");
  if (!box || location.protocol === "file:" || !window.fetch || !window.WebAssembly || !window.DOMParser) return;
  var bundle = new URL(box.getAttribute("data-bundle"), location.href).pathname;
  var root = new URL(box.getAttribute("data-root"), location.href).pathname;
  var text = JSON.parse(box.getAttribute("data-text"));
  var PAGE = 5, SUBS = 3, EXCERPT = 12;  // results a page of them, card links a result, words an excerpt
  var fallback = Array.prototype.slice.call(box.childNodes);
  var names = [], paths = [], wanted = 0, merged = 0, loading = null, pagefind = null;
  var run = 0, results = [], shown = 0, input, message, drawer, list, more, all;

  function make(tag, name) {
    var node = document.createElement(tag);
    if (name) node.className = name;
    return node;
  }

  // When a shard starts, in the page's language: "2026-06" -> "June 2026", "2025-h2" -> "July 2025",
  // "2025" -> "January 2025".
  function since(name) {
    var parts = name.split("-"), month = {h1: 1, h2: 7}[parts[1]] || +parts[1] || 1;
    var start = new Date(Date.UTC(+parts[0], month - 1, 1));
    var format = {year: "numeric", month: "long", timeZone: "UTC"};
    return new Intl.DateTimeFormat(document.documentElement.lang || "en", format).format(start);
  }

  function say(count, term) {
    var scoped = wanted < names.length;
    var key = (count === 0 ? "zero" : count === 1 ? "one" : "many") + (scoped ? "_scoped" : "");
    return text[key].split("[COUNT]").join(String(count)).split("[SEARCH_TERM]").join(term)
                    .split("[SINCE]").join(scoped ? since(names[wanted - 1]) : "");
  }

  // Resolves once Pagefind holds the newest `wanted` shards; the first call loads it.
  function ready() {
    if (!loading) {
      loading = import(paths[0] + "pagefind.js").then(function (module) {
        pagefind = module;
        merged = 1;
        return module.options({baseUrl: root, excerptLength: EXCERPT});
      });
    }
    loading = loading.then(function merge() {
      if (merged >= wanted) return null;
      var path = paths[merged++];
      return pagefind.mergeIndex(path, {baseUrl: root, excerptLength: EXCERPT}).then(merge);
    });
    return loading;
  }

  function fail() {
    box.classList.remove("is-live");
    box.replaceChildren.apply(box, fallback);  // the plain link to the archive again
  }

  function search() {
    var term = input.value.trim(), id = ++run;
    drawer.hidden = !term;
    all.hidden = wanted >= names.length;
    if (!term) {
      message.textContent = "";
      list.textContent = "";
      return;
    }
    ready().then(function () {
      return pagefind.debouncedSearch(term, {}, 250);
    }).then(function (found) {
      if (id !== run || !found) return null;  // a later keystroke took over
      results = found.results;
      shown = 0;
      list.textContent = "";
      message.textContent = say(results.length, term);
      return page(id);
    }).catch(fail);
  }

  function page(id) {
    var batch = results.slice(shown, shown + PAGE);
    shown += batch.length;
    more.hidden = shown >= results.length;
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (data) {
      if (id === run) data.forEach(function (found) { list.appendChild(item(found)); });
    });
  }

  function item(found) {
    var li = make("li", "search-result"), title = make("p", "search-result-title");
    var name = found.meta && found.meta.title || found.url;
    title.appendChild(link(found.url, name));
    li.appendChild(title);
    li.appendChild(excerpt(found.excerpt));
    var subs = sections(found, name);
    if (subs.length) {
      var nested = make("ul", "search-sections");
      subs.forEach(function (sub) {
        var entry = make("li");
        entry.appendChild(link(sub.url, sub.title));
        entry.appendChild(excerpt(sub.excerpt));
        nested.appendChild(entry);
      });
      li.appendChild(nested);
    }
    return li;
  }

  // The sections of a page that hold hits (a card's heading has an id, so its link lands on the card): the
  // SUBS with the most hits, in page order; the page's top, which the result's title already links to, left out.
  function sections(found, name) {
    return (found.sub_results || []).map(function (sub, at) { return {sub: sub, at: at}; })
      .filter(function (entry) { return entry.sub.url.indexOf("#") > 0 && entry.sub.title !== name; })
      .sort(function (a, b) { return (b.sub.locations || []).length - (a.sub.locations || []).length || a.at - b.at; })
      .slice(0, SUBS)
      .sort(function (a, b) { return a.at - b.at; })
      .map(function (entry) { return entry.sub; });
  }

  function link(url, label) {
    var a = make("a", "search-result-link");
    a.textContent = label;
    if (/^\/(?!\/)/.test(url)) a.href = url;  // a path on this site; anything else stays text
    return a;
  }

  function excerpt(html) {
    var p = make("p", "search-result-excerpt");
    var parsed = new DOMParser().parseFromString("<body>" + (html || ""), "text/html");
    parsed.body.childNodes.forEach(function (node) {
      var copy = node.nodeName === "MARK" ? make("mark") : null;
      if (copy) copy.textContent = node.textContent;
      p.appendChild(copy || document.createTextNode(node.textContent));
    });
    return p;
  }

  function build(first) {
    var form = make("form", "search-form");
    form.setAttribute("role", "search");
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    input = make("input", "search-input");
    input.type = "search";
    input.placeholder = text.label;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("aria-label", text.label);
    input.addEventListener("focus", function () { ready().catch(fail); }, {once: true});
    input.addEventListener("input", search);
    form.appendChild(input);
    message = make("p", "search-message");
    message.setAttribute("role", "status");
    drawer = make("div", "search-drawer");
    drawer.hidden = true;
    list = make("ol", "search-results");
    more = make("button", "search-more");
    all = make("button", "search-all");
    [[more, text.more], [all, text.all]].forEach(function (pair) {
      pair[0].type = "button";
      pair[0].textContent = pair[1];
      pair[0].hidden = true;
    });
    more.addEventListener("click", function () { page(run).catch(fail); });
    all.addEventListener("click", function () {
      wanted = names.length;
      input.focus();
      search();
    });
    drawer.append(list, more, all);
    wanted = first;
    box.textContent = "";
    box.append(form, message, drawer);
    box.classList.add("is-live");
  }

  fetch(bundle + "shards.json").then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (listing) {
    names = (listing && listing.shards || []).filter(function (name) {
      return typeof name === "string" && /^[0-9A-Za-z-]+$/.test(name);
    });
    if (!names.length) return;  // no index (no issue yet): the box stays a link
    paths = names.map(function (name) { return bundle + name + "/"; });
    var first = Math.floor(listing.first);
    build(first >= 1 && first < names.length ? first : names.length);
  }).catch(function () {});  // the box stays a link to the archive
})();

/* newssearch: autocomplete for the search box (ARIA 1.2 combobox + listbox), the sort
   menu applying on change, and collapsing the filters on narrow screens. The page works
   without this file. */
(function () {
  "use strict";

  var filters = document.getElementById("filters");
  if (filters && window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    filters.removeAttribute("open");
  }

  // The sort menu applies as soon as a choice is made; its button is only for browsers without JS.
  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    var sortButton = sort.form.querySelector("[data-js-hide]");
    if (sortButton) { sortButton.hidden = true; }
    sort.addEventListener("change", function () { sort.form.submit(); });
  }

  var input = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  var status = document.getElementById("q-status");
  if (!input || !list || !window.fetch) { return; }
  var form = input.form;
  var endpoint = input.getAttribute("data-suggest-url");
  var items = [];
  var active = -1;
  var timer = null;
  var controller = null;
  var KINDS = { phrase: "Cụm từ", article: "Tin tức", listing: "Nhà đất" };

  function safeUrl(url) {
    return typeof url === "string" && (/^https?:\/\//i.test(url) || (/^\//.test(url) && !/^\/\//.test(url)));
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function setActive(index) {
    var options = list.querySelectorAll("[role=option]");
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(suggestions) {
    list.textContent = "";
    items = suggestions;
    active = -1;
    if (!items.length) {
      close();
      status.textContent = "";
      return;
    }
    items.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = "q-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-index", String(i));
      var text = document.createElement("span");
      text.className = "text";
      if (s.html) {
        text.innerHTML = s.html; // escaped by the server; the typed part in <b>
      } else {
        text.textContent = s.text;
      }
      li.appendChild(text);
      var kind = KINDS[s.kind === "title" ? s.type : s.kind];
      if (kind) {
        var k = document.createElement("span");
        k.className = "kind";
        k.textContent = kind;
        li.appendChild(k);
      }
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = items.length + " gợi ý. Dùng phím mũi tên để chọn.";
  }

  function load() {
    var q = input.value.trim();
    if (!q) { close(); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var url = endpoint + "?q=" + encodeURIComponent(q) + "&limit=8";
    fetch(url, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && input.value.trim() === q && document.activeElement === input) {
          render(data.suggestions || []);
        }
      })
      .catch(function () { /* aborted or offline: keep typing */ });
  }

  function choose(index) {
    var s = items[index];
    if (!s) { return; }
    if (s.kind === "title" && safeUrl(s.url)) {
      window.location.href = s.url;
      return;
    }
    input.value = s.text;
    close();
    form.submit();
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 120);
  });

  input.addEventListener("keydown", function (e) {
    if (list.hidden) {
      if (e.key === "ArrowDown" && input.value.trim()) { e.preventDefault(); load(); }
      return;
    }
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter") {
      if (active >= 0) { e.preventDefault(); choose(active); } else { close(); }
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "Tab") {
      close();
    }
  });

  input.addEventListener("blur", function () { window.setTimeout(close, 150); });

  // mousedown (not click) so the input keeps focus until the choice is made.
  list.addEventListener("mousedown", function (e) {
    e.preventDefault();
    var li = e.target.closest ? e.target.closest("[role=option]") : null;
    if (li) { choose(Number(li.getAttribute("data-index"))); }
  });
})();

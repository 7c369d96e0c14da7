// The web inbox's only script (the CSP allows no inline script): queue keyboard shortcuts
// and keeping the selected row across the queue's background refreshes.
(function () {
  "use strict";
  var selected = null; // data-key of the selected queue row

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr[data-key]"));
  }

  function select(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    if (!row) { return; }
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selected = row.getAttribute("data-key");
    row.scrollIntoView({ block: "nearest" });
  }

  function current() {
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-key") === selected) { return all[i]; }
    }
    return null;
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(current());
    var next = at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step));
    select(all[next]);
  }

  function submit(row, cls) {
    var form = row && row.querySelector("form." + cls);
    if (!form) { return; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !document.getElementById("queue-rows")) {
      return;
    }
    var row = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "e": if (row) { window.location.assign(row.getAttribute("data-href")); } break;
      case "r": submit(row, "act-resolve"); break;
      case "s": submit(row, "act-snooze"); break;
      case "a": submit(row, "act-assign"); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var row = event.target && event.target.closest && event.target.closest("#queue-rows tr[data-key]");
    if (row) { select(row); }
  });

  // After a refresh or an action the rows are new elements: select the same item again,
  // or its neighbour when it left the queue.
  document.addEventListener("htmx:afterSettle", function () {
    if (selected !== null && !current()) {
      var first = rows()[0];
      if (first) { select(first); }
      return;
    }
    if (selected !== null) { select(current()); }
  });

  // A background refresh waits while focus is on a row's form or rows are checked for a
  // bulk close, so nothing the user is doing is redrawn away under them.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.target || event.target.id !== "queue-rows") { return; }
    var el = document.activeElement;
    var busy = el && el.closest && el.closest("#queue-rows form");
    if (busy || document.querySelector("#queue-rows input[type=checkbox]:checked")) {
      event.preventDefault();
    }
  });
})();

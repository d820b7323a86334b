// No inline scripts (CSP): behaviour is attached here.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Import progress: poll the job's progress and reload the page when its step has finished.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(box.getAttribute("data-progress-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!state.running) {
          window.location.reload();
          return;
        }
        bar.value = state.percent;
        if (state.total) {
          text.textContent = state.done + " / " + state.total + " 行";
        }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 500);
});

// Phones: each cell of a list table carries its column's name, shown above the value when the
// table is laid out as one card per row (portal.css, under 600px).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.list").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) {
      return;
    }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (heads[index] && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", heads[index]);
        }
      });
    });
  });
});

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

// Errors: the summary at the top of the page (rendered by the server for the page's form, or
// built here from the fields marked with an error) receives the focus, so a keyboard or screen
// reader user hears what to fix; each entry links to its field.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  var fields = document.querySelectorAll(".field.has-error");
  if (!summary && fields.length) {
    summary = document.createElement("div");
    summary.className = "error-summary";
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    summary.setAttribute("data-error-summary", "");
    var title = document.createElement("h2");
    title.textContent = "入力内容を確認してください（" + fields.length + "件）";
    summary.appendChild(title);
    var list = document.createElement("ul");
    fields.forEach(function (field) {
      var input = field.querySelector("input, select, textarea");
      var label = field.querySelector("label");
      var error = field.querySelector(".error");
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + (input ? input.id : "");
      link.textContent = (label ? label.textContent.trim() + ": " : "") +
        (error ? error.textContent.trim() : "");
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.appendChild(list);
    var main = document.querySelector("main");
    var heading = main && main.querySelector("h1");
    if (heading) {
      heading.insertAdjacentElement("afterend", summary);
    } else if (main) {
      main.insertBefore(summary, main.firstChild);
    }
  }
  if (summary) {
    summary.focus();
  }
});

// Uploads: a file too large for one form is caught before it is sent, so nothing typed on
// the form is lost (the server would refuse the whole request with 413).
function portalTooLarge(form) {
  var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
  var total = 0;
  var limit = 0;
  inputs.forEach(function (input) {
    limit = parseInt(input.getAttribute("data-max-bytes"), 10) || limit;
    Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
  });
  return limit && total > limit ? { total: total, limit: limit, input: inputs[0] } : null;
}
function portalMegabytes(n) {
  return (Math.round(n / 1024 / 1024 * 10) / 10) + " MB";
}
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("input[type=file][data-max-bytes]") || !input.form) {
    return;
  }
  var field = input.closest(".field");
  var old = field && field.querySelector("[data-size-error]");
  if (old) {
    old.remove();
  }
  var over = portalTooLarge(input.form);
  if (over && field) {
    var message = document.createElement("p");
    message.className = "error";
    message.setAttribute("data-size-error", "");
    message.setAttribute("role", "alert");
    message.textContent = "ファイルが大きすぎます（選んだファイルの合計 " + portalMegabytes(over.total) +
      "、上限 " + portalMegabytes(over.limit) + "）。小さくするか分けて送ってください。";
    field.appendChild(message);
  }
});
document.addEventListener("submit", function (event) {
  var over = portalTooLarge(event.target);
  if (over) {
    event.preventDefault();
    over.input.focus();
  }
}, true);

// Error pages: 「入力画面に戻る」 goes back in history, where the browser keeps what was typed.
document.addEventListener("click", function (event) {
  if (event.target.matches && event.target.matches("[data-history-back]")) {
    window.history.back();
  }
});

// 行を増やす: with JavaScript the rows are added in the page, so nothing typed or chosen
// (photos included) is lost; without it the button posts the form and the server adds them.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-add-rows]") : null;
  if (!button) { return; }
  var table = document.getElementById(button.getAttribute("data-add-rows"));
  var body = table ? table.tBodies[0] : null;
  var rows = body ? body.querySelectorAll("tr[data-testid^='media-row-']") : [];
  if (!rows.length) { return; }
  event.preventDefault();
  var max = parseInt(button.getAttribute("data-max-rows"), 10) || 50;
  var template = rows[rows.length - 1];
  var next = rows.length;
  for (var added = 0; added < 3 && next < max; added++, next++) {
    var row = template.cloneNode(true);
    row.setAttribute("data-testid", "media-row-" + next);
    row.querySelectorAll("input, select, textarea").forEach(function (input) {
      ["name", "id"].forEach(function (attr) {
        var value = input.getAttribute(attr);
        if (value) { input.setAttribute(attr, value.replace(/media-\d+-/, "media-" + next + "-")); }
      });
      var label = input.getAttribute("aria-label");
      if (label) { input.setAttribute("aria-label", label.replace(/^\d+行目/, (next + 1) + "行目")); }
      if (input.tagName === "SELECT") { input.selectedIndex = 0; } else { input.value = ""; }
      input.removeAttribute("aria-invalid");
    });
    var number = row.querySelector("td");
    if (number) { number.textContent = String(next + 1); }
    body.appendChild(row);
    template = row;
  }
  if (next >= max) { button.hidden = true; }
  var first = "tr[data-testid='media-row-" + rows.length + "']";
  var focus = body.querySelector(first + " select, " + first + " input");
  if (focus) { focus.focus(); }
});

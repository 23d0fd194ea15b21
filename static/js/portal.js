// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", function (e) {
  var box = document.querySelector(".messages") || document.createElement("ul");
  box.className = "messages";
  var li = document.createElement("li");
  li.className = "msg error";
  var text = document.body.getAttribute("data-msg-request-failed") || "请求失败,请稍后重试。";
  li.textContent = text + " (HTTP " + e.detail.xhr.status + ")";
  box.appendChild(li);
  document.getElementById("main").prepend(box);
});

// Uploads with a progress bar (forms marked data-upload-progress: filing documents, roster import, degree
// certificates, contracts, declarations, grant applications; server side: accounts/uploads.py). Without JavaScript, or in a
// browser without FormData/XMLHttpRequest, the form posts as usual and the server answers with a page.
// With it, the same form is sent by XMLHttpRequest; the server answers JSON: {ok, redirect} or
// {errors: {field: [messages]}}, and the messages are shown next to their fields.
(function () {
  if (!window.FormData || !window.XMLHttpRequest) return;

  function clearErrors(form) {
    form.querySelectorAll(".field .error-text").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field.invalid").forEach(function (el) { el.classList.remove("invalid"); });
    var box = form.querySelector("[data-upload-errors]");
    if (box) box.textContent = "";
  }

  function showError(form, field, text) {
    var input = field && field !== "__all__" ? form.querySelector('[name="' + field + '"]') : null;
    var wrap = input ? input.closest(".field") : null;
    if (wrap) {
      var small = document.createElement("small");
      small.className = "error-text";
      small.setAttribute("role", "alert");
      small.textContent = text;
      wrap.appendChild(small);
      wrap.classList.add("invalid");
      return;
    }
    var box = form.querySelector("[data-upload-errors]") || form;
    var p = document.createElement("p");
    p.className = "msg error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    box.appendChild(p);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload-progress")) return;
    e.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form);

    // every file field of the form (a grant application has two): a file over the limit is refused here,
    // before its bytes are sent; the server checks again
    var max = parseInt(form.getAttribute("data-max-bytes"), 10);
    var tooLarge = false;
    form.querySelectorAll('input[type="file"]').forEach(function (input) {
      if (max && input.files && input.files[0] && input.files[0].size > max) {
        showError(form, input.name, form.getAttribute("data-msg-too-large"));
        tooLarge = true;
      }
    });
    if (tooLarge) return;

    var box = form.querySelector("[data-upload-progress-box]");
    var bar = box && box.querySelector("progress");
    var label = box && box.querySelector(".upload-percent");
    var buttons = form.querySelectorAll('button[type="submit"], input[type="submit"]');
    function setProgress(percent, note) {
      if (bar) { bar.value = percent; bar.textContent = percent + "%"; }
      if (label) label.textContent = percent + "%" + (note ? " · " + note : "");
      form.dispatchEvent(new CustomEvent("upload:progress", { bubbles: true, detail: { percent: percent } }));
    }
    function busy(on) {
      form.setAttribute("aria-busy", on ? "true" : "false");
      buttons.forEach(function (b) { b.disabled = on; });
    }
    function failed(text) {
      busy(false);
      if (box) box.hidden = true;
      showError(form, "__all__", text);
    }

    if (box) box.hidden = false;
    setProgress(0);
    busy(true);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (ev) {
      if (ev.lengthComputable && ev.total > 0) setProgress(Math.min(100, Math.floor(ev.loaded * 100 / ev.total)));
    });
    xhr.addEventListener("load", function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (xhr.status === 200 && data && data.ok) {
        setProgress(100, form.getAttribute("data-msg-done"));
        var next = new URL(data.redirect, window.location.href);
        var here = new URL(window.location.href);
        if (next.hash && next.origin + next.pathname + next.search === here.origin + here.pathname + here.search) {
          // the same page at another anchor (#declarations): assign() would only scroll, so reload it
          window.location.hash = next.hash;
          window.location.reload();
        } else {
          window.location.assign(next.href);
        }
        return;
      }
      if (data && data.errors) {
        busy(false);
        if (box) box.hidden = true;
        Object.keys(data.errors).forEach(function (field) {
          showError(form, field, data.errors[field].join(" "));
        });
        return;
      }
      failed(form.getAttribute("data-msg-failed") + " (HTTP " + xhr.status + ")");
    });
    xhr.addEventListener("error", function () { failed(form.getAttribute("data-msg-failed")); });
    xhr.addEventListener("abort", function () { failed(form.getAttribute("data-msg-failed")); });
    xhr.send(new FormData(form));
  });
})();

// Phones: a menu button folds the navigation away, and tables become cards whose cells carry their column's
// heading (CSS in portal.css under max-width 760px). Without JavaScript the navigation stays open and a
// wide table scrolls inside itself.
(function () {
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.querySelector(".topbar");
    var toggle = bar && bar.querySelector(".menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = bar.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    cards(document);
    scrollers();
  });
  document.addEventListener("htmx:afterSettle", function () { cards(document); scrollers(); });
  window.addEventListener("resize", scrollers);

  function cards(root) {
    root.querySelectorAll("table.grid").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[col] || "");
          col += cell.colSpan || 1;
        });
      });
      table.classList.add("stack");
    });
  }

  // a region that scrolls (a wide table, the tabs) can be scrolled from the keyboard: it takes focus
  function scrollers() {
    document.querySelectorAll(".table-wrap, table.grid, .tabs, .preview-pages").forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      if (scrolls && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    });
  }
})();

// A select marked data-submit-on-change (the language switcher) submits its form when changed; kept
// here rather than in an inline onchange handler, which the Content-Security-Policy does not allow.
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-submit-on-change") && el.form) el.form.submit();
});

// Required fields (forms): portal.css marks each .field whose control is required with an
// asterisk beside its label (never inside it: the label stays the field's accessible name), and every
// form with such a field opens with the legend "标 * 的为必填项" (its words come from the page, in the
// page's language). Forms brought in by htmx get theirs when they arrive.
(function () {
  var REQUIRED = ".field input:required, .field select:required, .field textarea:required";

  function legend(root) {
    var text = document.body && document.body.getAttribute("data-msg-required-note");
    if (!text) return;
    root.querySelectorAll("form:not([role=search])").forEach(function (form) {
      if (!form.querySelector(REQUIRED) || form.querySelector(":scope > .required-note")) return;
      var child = form.querySelector(".field");  // the legend goes above the form's first field
      while (child.parentElement && child.parentElement !== form) child = child.parentElement;
      var note = document.createElement("p");
      note.className = "required-note";
      note.textContent = text;
      form.insertBefore(note, child.parentElement === form ? child : form.firstChild);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { legend(document); });
  document.addEventListener("htmx:afterSettle", function () { legend(document); });
})();

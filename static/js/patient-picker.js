// The patient type-ahead (core/patients/picker.py): typing asks the server for matches and shows them in
// an ARIA combobox listbox; arrow keys move, Enter or a click chooses, Escape closes. Without this script
// the same markup is a search-then-choose form ("Find", then radio buttons), so nothing depends on it.
(function () {
  "use strict";

  function setup(root) {
    var input = root.querySelector("[data-picker-input]");
    var listbox = root.querySelector("[data-picker-listbox]");
    var chosenText = root.querySelector("[data-picker-chosen]");
    var status = root.querySelector("[data-picker-status]");
    var name = input.name.replace(/_q$/, "");
    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function hiddenValue() {
      var hidden = root.querySelector("[data-picker-value]");
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = name;
        hidden.setAttribute("data-picker-value", "");
        root.appendChild(hidden);
      }
      return hidden;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        option.classList.toggle("bg-accent", i === index);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function choose(option) {
      hiddenValue().value = option.dataset.id;
      input.value = option.dataset.label;
      chosenText.textContent = option.dataset.details;
      var radios = root.querySelector("[data-picker-matches]");
      if (radios) radios.remove();
      status.textContent = option.dataset.label + " — " + option.dataset.details;
      close();
    }

    function show(results) {
      listbox.textContent = "";
      options = results.map(function (result, i) {
        var option = document.createElement("li");
        option.id = listbox.id + "_" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "cursor-pointer rounded-md px-3 py-2 hover:bg-accent";
        option.dataset.id = result.id;
        option.dataset.label = result.label;
        option.dataset.details = result.details;
        var label = document.createElement("span");
        label.className = "block font-medium";
        label.textContent = result.label;
        var details = document.createElement("span");
        details.className = "block text-xs text-muted-foreground";
        details.textContent = result.details;
        option.appendChild(label);
        option.appendChild(details);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
          choose(option);
        });
        listbox.appendChild(option);
        return option;
      });
      if (!options.length) {
        var empty = document.createElement("li");
        empty.className = "px-3 py-2 text-muted-foreground";
        empty.textContent = listbox.dataset.empty || "—";
        listbox.appendChild(empty);
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = listbox.dataset.count
        ? listbox.dataset.count.replace("%s", options.length)
        : String(options.length);
      highlight(-1);
    }

    function search() {
      var query = input.value.trim();
      if (query.length < 2) {
        close();
        return;
      }
      var ticket = ++asked;
      fetch(root.dataset.source + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (ticket === asked) show(data.results || []); // an older answer arriving late is dropped
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      // A changed text is a new search: the earlier choice no longer holds.
      var hidden = root.querySelector("[data-picker-value]");
      if (hidden) hidden.remove();
      chosenText.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && options.length) {
        event.preventDefault();
        if (listbox.hidden) show(options.map(function (o) { return o.dataset; }));
        highlight(Math.min(active + 1, options.length - 1));
      } else if (event.key === "ArrowUp" && options.length) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && !listbox.hidden) {
        event.preventDefault(); // choosing, not sending the form
        if (active >= 0) choose(options[active]);
        else if (options.length === 1) choose(options[0]);
      } else if (event.key === "Escape" && !listbox.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  function start(scope) {
    scope.querySelectorAll("[data-patient-picker]").forEach(function (root) {
      if (root.dataset.ready) return;
      root.dataset.ready = "1";
      setup(root);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
  // Forms loaded later (the calendar's booking dialog) get their picker too.
  document.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
})();

// Drag an appointment to another time or practitioner on the calendar. While dragging, each column shows
// drop targets at the calendar's step; dropping posts the move (with the version the page showed) and
// either reloads the calendar or puts the card back where it was and says why. The edit form remains the
// keyboard way to move an appointment.
(function () {
  "use strict";

  const root = document.querySelector("[data-calendar]");
  if (!root) return;
  const status = document.querySelector("[data-move-message]");
  const first = root.dataset.firstMinute ? parseInt(root.dataset.firstMinute, 10) : 6 * 60;
  const last = root.dataset.lastMinute ? parseInt(root.dataset.lastMinute, 10) : 22 * 60;
  const step = root.dataset.step ? parseInt(root.dataset.step, 10) : 15;
  let dragged = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function say(message, failed) {
    if (!status) return;
    status.textContent = message;
    status.hidden = false;
    status.classList.toggle("alert-error", Boolean(failed));
  }

  function clock(minutes) {
    const h = String(Math.floor(minutes / 60)).padStart(2, "0");
    const m = String(minutes % 60).padStart(2, "0");
    return h + ":" + m;
  }

  function addTargets() {
    root.querySelectorAll("[data-drop-column]").forEach(function (column) {
      const list = document.createElement("div");
      list.className = "mt-2 grid grid-cols-4 gap-1";
      list.setAttribute("data-drop-targets", "");
      for (let minute = first; minute < last; minute += step) {
        const target = document.createElement("div");
        target.className = "rounded border border-dashed border-border px-1 text-center text-xs text-muted-foreground";
        target.textContent = clock(minute);
        target.dataset.dropTime = clock(minute);
        list.appendChild(target);
      }
      column.appendChild(list);
    });
  }

  function removeTargets() {
    root.querySelectorAll("[data-drop-targets]").forEach(function (list) {
      list.remove();
    });
  }

  function snapBack(state) {
    if (state.nextSibling && state.nextSibling.parentNode === state.parent) {
      state.parent.insertBefore(state.card, state.nextSibling);
    } else {
      state.parent.appendChild(state.card);
    }
    state.card.removeAttribute("aria-busy");
  }

  root.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest("[data-movable]");
    if (!card) return;
    dragged = { card: card, parent: card.parentNode, nextSibling: card.nextSibling };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.appointment);
    addTargets();
  });

  root.addEventListener("dragend", function () {
    removeTargets();
  });

  root.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest && event.target.closest("[data-drop-time]")) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });

  root.addEventListener("drop", function (event) {
    const target = event.target.closest && event.target.closest("[data-drop-time]");
    if (!dragged || !target) return;
    event.preventDefault();
    const state = dragged;
    dragged = null;
    const column = target.closest("[data-drop-column]");
    const body = new FormData();
    body.append("start", column.dataset.date + "T" + target.dataset.dropTime);
    body.append("practitioner", column.dataset.practitioner);
    body.append("version", state.card.dataset.version);
    removeTargets();
    // Shown at once in its new column; put back if the clinic refuses the move.
    column.querySelector("[data-cards]").appendChild(state.card);
    state.card.setAttribute("aria-busy", "true");
    fetch(state.card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok && answer.ok, answer: answer };
        });
      })
      .then(function (result) {
        if (result.ok) {
          say(result.answer.message, false);
          window.location.reload();
        } else {
          snapBack(state);
          say(result.answer.message, true);
        }
      })
      .catch(function () {
        snapBack(state);
        say(root.dataset.failedMessage || "The move failed.", true);
      });
  });
})();

// Drag an appointment to another time or practitioner on the calendar grid. The drop targets are the
// grid's own cells (the clinic's slot step within the shown hours), each carrying its wall-clock time;
// their column carries the date and the practitioner. Dropping posts the move (with the version the page
// showed) and reloads the calendar, or puts the block back where it was and says why. The edit form
// remains the keyboard way to move an appointment.
(function () {
  "use strict";

  const root = document.querySelector("[data-calendar]");
  if (!root) return;
  const status = document.querySelector("[data-move-message]");
  let dragged = null;
  let over = null;

  // Today is shown: open the grid an hour before the clinic's current time rather than at its first row.
  if (root.dataset.nowMinute) {
    const rows = (parseInt(root.dataset.nowMinute, 10) - 60 - parseInt(root.dataset.firstMinute, 10)) /
      parseInt(root.dataset.step, 10);
    const cell = root.querySelector(".cal-cell");
    if (rows > 0 && cell) root.scrollTop = Math.floor(rows) * cell.getBoundingClientRect().height;
  }

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
    status.classList.toggle("alert-success", !failed);
  }

  function highlight(cell) {
    if (over === cell) return;
    if (over) over.classList.remove("cal-drop-over");
    over = cell;
    if (over) over.classList.add("cal-drop-over");
  }

  function targetOf(event) {
    const cell = event.target.closest && event.target.closest("[data-drop-time]");
    return cell && cell.closest("[data-drop-column]") ? cell : null;
  }

  function finish() {
    root.classList.remove("cal-dragging");
    highlight(null);
  }

  function snapBack(state) {
    if (state.nextSibling && state.nextSibling.parentNode === state.parent) {
      state.parent.insertBefore(state.block, state.nextSibling);
    } else {
      state.parent.appendChild(state.block);
    }
    state.block.setAttribute("style", state.style);
    state.block.removeAttribute("aria-busy");
  }

  root.addEventListener("dragstart", function (event) {
    const block = event.target.closest && event.target.closest("[data-movable]");
    if (!block) return;
    dragged = {
      block: block,
      parent: block.parentNode,
      nextSibling: block.nextSibling,
      style: block.getAttribute("style") || "",
      gridRow: block.style.gridRow,
    };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.appointment);
    block.setAttribute("aria-grabbed", "true");
    // After the browser has taken its picture of the block: blocks stop catching the pointer, so the
    // cells under them take the drop.
    window.setTimeout(function () {
      if (dragged) root.classList.add("cal-dragging");
    }, 0);
  });

  root.addEventListener("dragend", function () {
    if (dragged) dragged.block.removeAttribute("aria-grabbed");
    finish();
  });

  root.addEventListener("dragover", function (event) {
    if (!dragged) return;
    const cell = targetOf(event);
    highlight(cell);
    if (cell) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  });

  root.addEventListener("drop", function (event) {
    const cell = targetOf(event);
    if (!dragged || !cell) return;
    event.preventDefault();
    const state = dragged;
    dragged = null;
    finish();
    state.block.removeAttribute("aria-grabbed");
    const column = cell.closest("[data-drop-column]");
    const body = new FormData();
    body.append("start", column.dataset.date + "T" + cell.dataset.dropTime);
    body.append("practitioner", column.dataset.practitioner);
    body.append("version", state.block.dataset.version);
    // Shown at once in its new place, as long as it was; put back if the clinic refuses the move.
    const rows = state.gridRow.split("/").map(function (part) {
      return parseInt(part, 10);
    });
    const span = rows.length === 2 && rows[1] > rows[0] ? rows[1] - rows[0] : 1;
    const row = parseInt(cell.style.gridRow, 10);
    column.appendChild(state.block);
    state.block.style.gridRow = row + " / span " + span;
    state.block.style.gridColumn = "1 / -1";
    state.block.setAttribute("aria-busy", "true");
    fetch(state.block.dataset.moveUrl, {
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

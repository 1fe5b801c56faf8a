// Autosave of a note draft: a second after typing stops (and when the page is hidden), the editor's
// fields are posted to the draft endpoint, which stores them server-side. The revision the server
// answers is kept, so a save from an older copy (another tab) is refused instead of overwriting.
(function () {
  "use strict";
  var form = document.getElementById("note-editor");
  if (!form || !form.dataset.autosave) return;
  var status = form.querySelector("[data-autosave-status]");
  var revision = form.querySelector("input[name=revision]");
  var timer = null;
  var dirty = false;
  var saving = false;

  function say(text) { if (status) status.textContent = text; }

  function save() {
    if (!dirty || saving) return;
    dirty = false;
    saving = true;
    var data = new FormData(form);
    data.delete("secret");
    say(form.dataset.savingText || "Saving…");
    fetch(form.dataset.autosave, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      saving = false;
      if (result.ok) {
        revision.value = result.body.revision;
        say((form.dataset.savedText || "Draft saved") + " " + result.body.saved_at);
        if (dirty) schedule();
      } else {
        say(result.body.error || "Not saved");
      }
    }).catch(function () {
      saving = false;
      dirty = true;
      say(form.dataset.offlineText || "Not saved yet: no connection. Retrying…");
      schedule(5000);
    });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay || 1000);
  }

  form.addEventListener("input", function (event) {
    if (event.target.name === "secret") return;
    dirty = true;
    schedule();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "secret") return;
    dirty = true;
    schedule();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save();
  });
  form.addEventListener("submit", function () { clearTimeout(timer); });
})();

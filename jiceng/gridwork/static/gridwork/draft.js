/* Door-to-door collection: every field is saved to the server's draft as soon as it changes, so a
 * refused submit, a closed page or a dropped connection loses nothing. */
(function () {
  "use strict";
  const form = document.getElementById("draft-form");
  const state = document.getElementById("save-state");
  const T = window.DRAFT_TEXT;
  if (!form || !form.dataset.save) return;

  function valueOf(box) {
    const type = box.dataset.type;
    const inputs = box.querySelectorAll("input, select, textarea");
    if (type === "multi") return Array.from(inputs).filter((i) => i.checked).map((i) => i.value);
    if (type === "bool") return inputs[0].checked;
    return inputs[0].value;
  }

  async function save(box) {
    state.textContent = T.saving;
    const data = {};
    data[box.dataset.key] = valueOf(box);
    try {
      const response = await fetch(form.dataset.save, {
        method: "PATCH",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": window.JicengQueue.csrfToken() },
        body: JSON.stringify({ data: data }),
      });
      state.textContent = response.ok ? T.saved : T.failed;
    } catch (e) {
      state.textContent = T.failed;
    }
  }

  // Saves run one after another, and a submit waits for the last one: the draft and the submitted
  // form never write the same row at the same moment.
  let chain = Promise.resolve();
  let inFlight = 0;
  form.querySelectorAll(".field").forEach((box) =>
    box.addEventListener("change", () => {
      inFlight += 1;
      chain = chain.then(() => save(box)).finally(() => { inFlight -= 1; });
    })
  );
  form.addEventListener("submit", (ev) => {
    if (!inFlight) return;
    ev.preventDefault();
    chain.then(() => form.submit());
  });
})();

// Bulk bar: show the value input the chosen action needs, count the selected rows. No
// action is chosen at first, so nothing applies until one is (no destructive default).
// Runs on page load and again whenever htmx swaps in new results.
(() => {
  const rows = () => Array.from(document.querySelectorAll("input.row-select"));

  const recount = () => {
    const counter = document.getElementById("selected-count");
    if (!counter) return;
    const n = rows().filter((box) => box.checked).length;
    const chosen = document.getElementById("bulk-action").value !== "";
    counter.textContent = n;
    document.getElementById("bulk-selected").disabled = n === 0 || !chosen;
    document.getElementById("bulk-all").disabled = !chosen;
  };

  const init = () => {
    const form = document.getElementById("bulk-form");
    if (!form) return;
    const action = form.querySelector("select[name=action]");
    const showInputs = () => {
      form.querySelectorAll("[data-for]").forEach((input) => {
        input.hidden = !input.dataset.for.split(" ").includes(action.value);
      });
    };
    action.addEventListener("change", () => { showInputs(); recount(); });
    showInputs();
    recount();
  };

  document.addEventListener("change", (event) => {
    if (event.target.id === "select-page") {
      rows().forEach((box) => { box.checked = event.target.checked; });
    }
    if (event.target.id === "select-page" || event.target.classList.contains("row-select")) {
      recount();
    }
  });
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", init);
})();

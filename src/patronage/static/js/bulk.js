// Bulk bar: hidden until customers are selected (rows of this page, or every customer the
// view matches); shows how many, the value input the chosen action needs, and applies only
// once an action is chosen (no destructive default: a confirmation page follows anyway).
// Runs on page load and again whenever htmx swaps in new results.
(() => {
  const rows = () => Array.from(document.querySelectorAll("input.row-select"));
  const byId = (id) => document.getElementById(id);

  const recount = () => {
    const form = byId("bulk-form");
    if (!form) return;
    const scope = byId("bulk-scope");
    const everyone = scope.value === "all";
    const n = rows().filter((box) => box.checked).length;
    const chosen = byId("bulk-action").value !== "";
    const all = byId("bulk-everyone");
    byId("selected-count").textContent = everyone ? all.textContent.replace(/^Select /, "") : n;
    form.toggleAttribute("data-idle", n === 0 && !everyone);
    all.hidden = everyone || n === 0;
    byId("bulk-apply").disabled = !chosen || (n === 0 && !everyone);
  };

  const init = () => {
    const form = byId("bulk-form");
    if (!form) return;
    form.classList.add("bulk-ready");  // hidden while idle only where this script runs
    const action = form.querySelector("select[name=action]");
    const showInputs = () => {
      form.querySelectorAll("[data-for]").forEach((input) => {
        input.hidden = !input.dataset.for.split(" ").includes(action.value);
      });
    };
    action.addEventListener("change", () => { showInputs(); recount(); });
    byId("bulk-everyone").addEventListener("click", () => {
      byId("bulk-scope").value = "all";
      rows().forEach((box) => { box.checked = true; });
      recount();
      action.focus();
    });
    byId("bulk-clear").addEventListener("click", () => {
      byId("bulk-scope").value = "selected";
      rows().forEach((box) => { box.checked = false; });
      const page = byId("select-page");
      if (page) page.checked = false;
      recount();
    });
    showInputs();
    recount();
  };

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.id === "select-page") {
      rows().forEach((box) => { box.checked = target.checked; });
    }
    if (target.id === "select-page" || target.classList.contains("row-select")) {
      if (!target.checked && byId("bulk-scope")) byId("bulk-scope").value = "selected";
      recount();
    }
  });
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", init);
})();

// Bulk bar: show the value input the chosen action needs, count the selected rows.
(() => {
  const form = document.getElementById("bulk-form");
  if (!form || form.dataset.ready) return;
  form.dataset.ready = "1";
  const action = form.querySelector("select[name=action]");
  const showInputs = () => {
    form.querySelectorAll("[data-for]").forEach((input) => {
      input.hidden = !input.dataset.for.split(" ").includes(action.value);
    });
  };
  const rows = () => Array.from(document.querySelectorAll("input.row-select"));
  const recount = () => {
    const n = rows().filter((box) => box.checked).length;
    document.getElementById("selected-count").textContent = n;
    document.getElementById("bulk-selected").disabled = n === 0;
  };
  action.addEventListener("change", showInputs);
  if (window.patronageBulkListening) { showInputs(); recount(); return; }
  window.patronageBulkListening = true;
  document.addEventListener("change", (event) => {
    if (event.target.id === "select-page") {
      rows().forEach((box) => { box.checked = event.target.checked; });
    }
    if (event.target.id === "select-page" || event.target.classList.contains("row-select")) {
      recount();
    }
  });
  showInputs();
  recount();
})();

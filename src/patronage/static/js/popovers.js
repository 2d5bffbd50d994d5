// Escape closes every open popover (the filter panel, the column chooser, "save view", a
// row's menu) and gives the focus back to the button that opened it; a click elsewhere
// closes them too. They are <details>, so they work without this file as well.
(() => {
  const POPOVERS = "details.popover[open], details.filter-panel[open], details.row-menu[open]";

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = Array.from(document.querySelectorAll(POPOVERS));
    if (!open.length) return;
    const current = open.find((d) => d.contains(document.activeElement)) || open[open.length - 1];
    open.forEach((d) => { d.open = false; });
    const summary = current.querySelector("summary");
    if (summary) summary.focus();
  });

  document.addEventListener("click", (event) => {
    document.querySelectorAll(POPOVERS).forEach((d) => {
      if (!d.contains(event.target)) d.open = false;
    });
  });
})();

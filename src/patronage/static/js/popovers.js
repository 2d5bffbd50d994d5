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

  // A row's menu opens over the table rather than inside its frame, which scrolls and would
  // cut it off: placed at its button, below it or, near the bottom of the window, above.
  let placed = null;  // the open row menu, if any
  const place = (details) => {
    const menu = details.querySelector(".menu");
    const button = details.querySelector("summary");
    if (!menu || !button) return;
    placed = details;
    const at = button.getBoundingClientRect();
    menu.style.position = "fixed";
    const below = at.bottom + 4;
    const above = at.top - 4 - menu.offsetHeight;
    menu.style.top = `${below + menu.offsetHeight > window.innerHeight && above > 0 ? above : below}px`;
    menu.style.left = `${Math.max(4, at.right - menu.offsetWidth)}px`;
    menu.style.right = "auto";
  };
  document.addEventListener("toggle", (event) => {
    const details = event.target;
    if (details instanceof HTMLDetailsElement && details.matches(".row-menu") && details.open) {
      place(details);
    }
  }, true);
  // Scrolling moves the button away from a placed menu: close it, as menus do.
  document.addEventListener("scroll", () => {
    if (!placed) return;
    placed.open = false;
    placed = null;
  }, true);

  document.addEventListener("click", (event) => {
    document.querySelectorAll(POPOVERS).forEach((d) => {
      if (!d.contains(event.target)) d.open = false;
    });
  });
})();

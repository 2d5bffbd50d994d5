// Lists ordered by hand (the column chooser, the Settings lists): drag an item, or move it
// with its arrow buttons (keyboard users). A form posts the items in the list's order.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-reorder]").forEach((list) => {
    let dragged = null;
    list.addEventListener("dragstart", (event) => {
      dragged = event.target.closest("li");
      if (!dragged) return;
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.key || "");
    });
    list.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
    });
    list.addEventListener("dragover", (event) => {
      event.preventDefault();
      const over = event.target.closest("li");
      if (!dragged || !over || over === dragged || over.parentElement !== list) return;
      const box = over.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
      list.dispatchEvent(new Event("reordered"));
    });
    list.addEventListener("drop", (event) => event.preventDefault());
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-move]");
      if (!button) return;
      const item = button.closest("li");
      if (button.dataset.move === "-1" && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (button.dataset.move === "1" && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      }
      button.focus();
      list.dispatchEvent(new Event("reordered"));
    });
    // The first item cannot go up nor the last down: their arrows say so (aria-disabled, so
    // the focus stays on an arrow that has just reached an end).
    const mark = () => {
      const items = Array.from(list.children);
      items.forEach((item, i) => {
        item.querySelectorAll("button[data-move]").forEach((b) => {
          const end = b.dataset.move === "-1" ? i === 0 : i === items.length - 1;
          b.setAttribute("aria-disabled", String(end));
        });
      });
    };
    mark();
    list.addEventListener("reordered", mark);
    // A list with its own "Save order" button shows it once the order changed.
    const save = list.dataset.reorder ? document.getElementById(list.dataset.reorder) : null;
    if (save) list.addEventListener("reordered", () => { save.hidden = false; });
  });
});

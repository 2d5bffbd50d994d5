// Column chooser: reorder by dragging, or with the arrow buttons (keyboard users).
// The form posts the checked columns in the order of the list.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("column-list");
  if (!list) return;
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li");
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.key);
  });
  list.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
  });
  list.addEventListener("dragover", (event) => {
    event.preventDefault();
    const over = event.target.closest("li");
    if (!dragged || !over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
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
  });
});

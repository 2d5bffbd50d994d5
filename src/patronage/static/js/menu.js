// On a narrow screen the sidebar is a menu: the Menu button opens and closes it (Escape
// closes it and gives the focus back). Without this file the sidebar simply stays open.
(() => {
  const init = () => {
    const sidebar = document.querySelector(".sidebar");
    const toggle = document.querySelector(".menu-toggle");
    if (!sidebar || !toggle) return;
    sidebar.classList.add("menu-ready");
    const set = (open) => {
      sidebar.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Close" : "Menu";
    };
    toggle.addEventListener("click", () => set(!sidebar.classList.contains("open")));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && sidebar.classList.contains("open")) {
        set(false);
        toggle.focus();
      }
    });
  };
  document.addEventListener("DOMContentLoaded", init);
})();

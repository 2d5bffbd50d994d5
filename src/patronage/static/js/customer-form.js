// Show the required-field markers of the customer type being added or edited.
document.addEventListener("DOMContentLoaded", () => {
  const type = document.querySelector("form.form select[name=type]");
  if (!type) return;
  const update = () => {
    document.querySelectorAll("abbr[data-required-for]").forEach((mark) => {
      mark.hidden = !mark.dataset.requiredFor.split(" ").includes(type.value);
    });
  };
  type.addEventListener("change", update);
  update();
});

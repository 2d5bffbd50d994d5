// The customer form: the required-field markers and the sections of the type being added
// or edited (a business has no shopper profile, a shopper no licence — a section holding
// a value or a problem stays), and the focus on the list of problems after a refused save.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  const type = document.querySelector("form.form select[name=type]");
  if (!type) return;
  const filled = (section) => Array.from(section.querySelectorAll("input, select, textarea"))
    .some((input) => input.type !== "checkbox" && input.value !== "") ||
    section.querySelector(".has-error") !== null;
  const update = () => {
    document.querySelectorAll("abbr[data-required-for]").forEach((mark) => {
      mark.hidden = !mark.dataset.requiredFor.split(" ").includes(type.value);
    });
    document.querySelectorAll("fieldset[data-for-types]").forEach((section) => {
      section.hidden = !section.dataset.forTypes.split(" ").includes(type.value) &&
        !filled(section);
    });
  };
  type.addEventListener("change", update);
  update();
});

// A form with data-confirm asks before it is sent (destructive actions: delete a customer,
// a view, a list item). A file, not an inline handler: the admin's policy runs no inline
// script.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);

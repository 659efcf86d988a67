// The "Copy" buttons beside read-only link fields on staff pages (templates/staff/_copy.html).
// Without JavaScript the buttons stay hidden and the field is selected and copied by hand.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.dataset.copy);
  var status = button.parentNode.querySelector(".copied");
  if (!field) return;
  button.hidden = false;
  field.addEventListener("focus", function () { field.select(); });
  function copied() {
    if (status) status.textContent = button.dataset.copied;
  }
  function byCommand() {
    field.select();
    try {
      if (document.execCommand("copy")) copied();
    } catch (error) { /* the field stays selected: Ctrl+C still works */ }
  }
  button.addEventListener("click", function () {
    if (status) status.textContent = "";
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(copied, byCommand);
    } else {
      byCommand();
    }
  });
});

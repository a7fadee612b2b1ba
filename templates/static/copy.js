// Copy buttons for secrets shown once: a button with data-copy="ID" copies
// the text of element ID. Without JavaScript the buttons stay hidden and
// the text can be selected by hand.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var target = document.getElementById(button.getAttribute("data-copy"));
  if (!target || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(target.textContent).then(function () {
      button.setAttribute("data-copied", "1");
    });
  });
});

// "Show password" (progressive enhancement; without JavaScript no button
// is shown and the fields work as always). After every password field
// the script inserts a toggle button with aria-pressed; pressing it shows
// the password as text, pressing again hides it. The field's name and
// autocomplete stay untouched, so password managers fill and save it as
// before; the field is a password field again whenever its form is sent.
// The button's label comes from the script element's data-label.
(function () {
  "use strict";
  var script = document.currentScript;
  var label = script && script.getAttribute("data-label");
  if (!label) { return; }
  var count = 0;
  function attach(input) {
    if (!input.id) { count += 1; input.id = "password-field-" + count; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "password-toggle";
    button.textContent = label;
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    function set(shown) {
      input.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
    }
    button.addEventListener("click", function () {
      set(input.type === "password");
    });
    if (input.form) {
      input.form.addEventListener("submit", function () { set(false); });
    }
    input.insertAdjacentElement("afterend", button);
  }
  document.querySelectorAll('input[type="password"]').forEach(attach);
})();

// Password helpers (progressive enhancement; the pages work without them).
// 1. Live password policy check. Each
// <p class="password-live" data-for="ID"> carries the policy and its
// translated messages; while the user types, it says which rule the
// password still misses. The server checks again: this only helps.
(function () {
  "use strict";
  var classes = {
    upper: function (ch) { return ch !== ch.toLowerCase(); },
    lower: function (ch) { return ch !== ch.toUpperCase(); },
    digit: function (ch) { return /[0-9]/.test(ch); },
    symbol: function (ch) { return !/[\p{L}\p{N}\s]/u.test(ch); }
  };
  function problem(el, pw, confirm) {
    var n = Array.from(pw).length;
    if (n < Number(el.dataset.min)) { return el.dataset.short; }
    if (n > Number(el.dataset.max)) { return el.dataset.long; }
    var required = el.dataset.require ? el.dataset.require.split(",") : [];
    for (var i = 0; i < required.length; i++) {
      var test = classes[required[i]];
      if (test && !Array.from(pw).some(test)) { return el.dataset["class" + required[i]]; }
    }
    if (confirm && confirm.value !== "" && confirm.value !== pw) { return el.dataset.mismatch; }
    return "";
  }
  function show(el, msg, ok) {
    el.textContent = msg;
    el.classList.toggle("password-live-ok", ok);
    el.hidden = false;
  }
  // The server applies the rules the page cannot (the common-password
  // list, the login, the address): once the local rules pass, ask it.
  function askServer(el, input, confirm, seq) {
    var body = new URLSearchParams();
    body.set("password", input.value);
    ["login", "email"].forEach(function (name) {
      var f = input.form && input.form.elements[name];
      if (f && f.value) { body.set(name, f.value); }
    });
    fetch(el.dataset.check, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (res) {
        if (!res || seq !== el.seq || input.value === "") { return; }
        var mismatch = confirm && confirm.value !== "" && confirm.value !== input.value;
        if (res.ok && mismatch) { show(el, el.dataset.mismatch, false); return; }
        show(el, res.message, res.ok);
      })
      .catch(function () {});
  }
  function attach(el) {
    var input = document.getElementById(el.dataset.for);
    var confirm = el.dataset.confirm ? document.getElementById(el.dataset.confirm) : null;
    if (!input) { return; }
    var timer = null;
    el.seq = 0;
    var update = function () {
      el.seq++;
      clearTimeout(timer);
      if (input.value === "") { el.hidden = true; return; }
      var msg = problem(el, input.value, confirm);
      if (msg || !el.dataset.check) { show(el, msg || el.dataset.ok, !msg); return; }
      // Until the server answers, say nothing rather than an old verdict.
      el.hidden = true;
      var seq = el.seq;
      timer = setTimeout(function () { askServer(el, input, confirm, seq); }, 250);
    };
    input.addEventListener("input", update);
    if (confirm) { confirm.addEventListener("input", update); }
  }
  document.querySelectorAll(".password-live").forEach(attach);

  // 2. Copy buttons: <button data-copy="ID" hidden> copies the value of
  // the input ID (the generated password, shown once).
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    var input = document.getElementById(btn.dataset.copy);
    if (!input) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      input.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).catch(function () {});
      }
    });
  });
})();

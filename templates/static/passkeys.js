// Passkeys (WebAuthn), progressive enhancement: without JavaScript or
// without WebAuthn the pages keep their password and code forms.
// - /login: "Sign in with a passkey" (discoverable credentials) and, where
//   the browser supports conditional mediation, passkeys offered in the
//   login field's autofill. The assertion is posted in a form, so the
//   usual redirects follow.
// - /login/mfa: a passkey as the second step.
// - /account/security: add a passkey (JSON in and out).
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) { return; }

  function b64ToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function bufToB64(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64ToBuf(pk.challenge);
    pk.user.id = b64ToBuf(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
    return { publicKey: pk };
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64ToBuf(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
    return { publicKey: pk };
  }
  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: bufToB64(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: bufToB64(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = bufToB64(r.authenticatorData);
      out.response.signature = bufToB64(r.signature);
      if (r.userHandle) { out.response.userHandle = bufToB64(r.userHandle); }
    }
    return JSON.stringify(out);
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : null
    }).then(function (r) {
      return r.json().then(function (j) { j.status = r.status; return j; });
    });
  }
  function showError(el, msg) { if (el) { el.textContent = msg; el.hidden = false; } }

  // hiddenForm builds the form that posts a second-step assertion.
  function hiddenForm(box) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = box.dataset.action;
    form.hidden = true;
    [["authRequestID", box.dataset.authRequestId], ["return_to", box.dataset.returnTo], ["passkey", ""]].forEach(function (kv) {
      if (kv[0] !== "passkey" && !kv[1]) { return; }
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = kv[0];
      input.value = kv[1] || "";
      form.appendChild(input);
    });
    document.body.appendChild(form);
    return form;
  }
  // withCredentialField gives the sign-in form a credential field and
  // points it at the passkey endpoint (its authRequestID, return_to and
  // remember_me go along).
  function withCredentialField(form, action) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "credential";
    form.appendChild(input);
    form.dataset.passkeyAction = action;
    return form;
  }

  // Sign-in (and the second step): get options, ask the authenticator,
  // post the assertion in the form.
  function assertion(box, form, field, errorEl, mediation, signal) {
    return post(box.dataset.options).then(function (o) {
      if (o.error) { throw new Error(o.error); }
      var opts = requestOptions(o);
      if (mediation) { opts.mediation = mediation; }
      if (signal) { opts.signal = signal; }
      return navigator.credentials.get(opts);
    }).then(function (cred) {
      if (!cred) { return; }
      form.elements[field].value = credentialJSON(cred);
      if (form.dataset.passkeyAction) { form.action = form.dataset.passkeyAction; }
      form.submit();
    });
  }

  var signin = document.getElementById("passkey-signin");
  if (signin) {
    var form = withCredentialField(document.getElementById("login-form"), signin.dataset.action);
    var errorEl = document.getElementById("passkey-signin-error");
    var pending = null;
    signin.hidden = false;
    var startConditional = function () {
      if (!PublicKeyCredential.isConditionalMediationAvailable) { return; }
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (!ok) { return; }
        pending = new AbortController();
        assertion(signin, form, "credential", errorEl, "conditional", pending.signal).catch(function () {});
      }).catch(function () {});
    };
    document.getElementById("passkey-signin-button").addEventListener("click", function () {
      if (pending) { pending.abort(); pending = null; }
      errorEl.hidden = true;
      assertion(signin, form, "credential", errorEl, "", null).catch(function (e) {
        showError(errorEl, (e && e.message && e.name === "Error") ? e.message : signin.dataset.failed);
      });
    });
    startConditional();
  }

  var second = document.getElementById("passkey-second");
  if (second) {
    var secondForm = hiddenForm(second);
    var secondError = document.getElementById("passkey-second-error");
    second.hidden = false;
    document.getElementById("passkey-second-button").addEventListener("click", function () {
      secondError.hidden = true;
      assertion(second, secondForm, "passkey", secondError, "", null).catch(function (e) {
        showError(secondError, (e && e.message && e.name === "Error") ? e.message : second.dataset.failed);
      });
    });
  }

  var add = document.getElementById("passkey-add");
  if (add) {
    var addError = document.getElementById("passkey-add-error");
    add.hidden = false;
    document.getElementById("passkey-add-button").addEventListener("click", function () {
      addError.hidden = true;
      post(add.dataset.options).then(function (o) {
        if (o.location) { window.location.assign(o.location); return null; }
        if (o.error) { throw new Error(o.error); }
        return navigator.credentials.create(creationOptions(o));
      }).then(function (cred) {
        if (!cred) { return null; }
        return post(add.dataset.finish, {
          name: document.getElementById("passkey-name").value,
          credential: JSON.parse(credentialJSON(cred))
        });
      }).then(function (res) {
        if (!res) { return; }
        if (res.location) { window.location.assign(res.location); return; }
        throw new Error(res.error || add.dataset.failed);
      }).catch(function (e) {
        showError(addError, (e && e.message && e.name === "Error") ? e.message : add.dataset.failed);
      });
    });
  }
})();

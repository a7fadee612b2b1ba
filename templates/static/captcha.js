// "New image" of the built-in captcha (templates/pages/_captcha.html):
// fetch a new challenge from the URL in data-captcha-new and replace only
// the image, the hidden captcha_id and the audio, so nothing typed in the
// form is touched. Without JavaScript, or when the fetch fails, the button
// does what it does on its own: it posts the form to its formaction, which
// shows the form again as typed with a new challenge.
"use strict";
(function () {
  var box = document.getElementById("captcha-box");
  var button = document.getElementById("captcha-new");
  var image = document.getElementById("captcha-image");
  var id = document.getElementById("captcha-id");
  var answer = document.getElementById("captcha");
  var status = document.getElementById("captcha-status");
  var url = box && box.getAttribute("data-captcha-new");
  if (!url || !button || !image || !id || !window.fetch) {
    return;
  }
  var audio = document.getElementById("captcha-audio");
  var audioLink = document.getElementById("captcha-audio-link");
  var imagePrefix = "data:image/png;base64,";

  function fallBack() {
    button.disabled = false;
    var form = button.form;
    if (form && form.requestSubmit) {
      form.requestSubmit(button);
    }
  }

  function show(ch) {
    if (!ch || typeof ch.id !== "string" || !ch.id ||
        typeof ch.image !== "string" || ch.image.indexOf(imagePrefix) !== 0) {
      throw new Error("unexpected challenge");
    }
    image.src = ch.image;
    id.value = ch.id;
    if (audio && audioLink && typeof ch.audio_url === "string" && ch.audio_url.charAt(0) === "/") {
      audio.pause();
      audio.src = ch.audio_url;
      audioLink.href = ch.audio_url;
    }
    if (answer) {
      answer.value = "";
      answer.removeAttribute("aria-invalid");
    }
    if (status) {
      status.textContent = "";
      status.textContent = box.getAttribute("data-captcha-shown") || "";
    }
    button.disabled = false;
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(show)
      .catch(fallBack);
  });
})();

// Security keys and passkeys (WebAuthn) on the second-factor pages.
// Without JavaScript (or without WebAuthn) the key sections stay hidden and
// codes work as before. The server gives the options and checks the answers;
// this file only converts base64url to bytes and back and calls the browser.
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) { return; }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var input = document.querySelector("input[name='csrf_token']");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    });
  }

  function readOptions(response) {
    if (!response.ok) { throw new Error("options " + response.status); }
    return response.json();
  }

  // The server answers with where to go next (its messages are flashed there).
  function follow(response) {
    return response.json().then(function (data) {
      window.location.assign(data && data.redirect ? data.redirect : window.location.href);
    }, function () {
      window.location.reload();
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return options;
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      },
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : null
      },
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function setUp(section, button, run) {
    var status = section.querySelector(".webauthn-status");
    section.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "";
      run().catch(function () {
        status.textContent = section.dataset.error;
        button.disabled = false;
      });
    });
  }

  var register = document.getElementById("webauthn-register");
  if (register) {
    setUp(register, document.getElementById("webauthn-add"), function () {
      return post(register.dataset.optionsUrl).then(readOptions).then(function (options) {
        return navigator.credentials.create({ publicKey: creationOptions(options) });
      }).then(function (credential) {
        var name = document.getElementById("webauthn-name").value;
        return post(register.dataset.verifyUrl, { credential: registrationJSON(credential), name: name });
      }).then(follow);
    });
  }

  var signIn = document.getElementById("webauthn-sign-in");
  if (signIn) {
    setUp(signIn, document.getElementById("webauthn-use"), function () {
      return post(signIn.dataset.optionsUrl).then(readOptions).then(function (options) {
        return navigator.credentials.get({ publicKey: requestOptions(options) });
      }).then(function (credential) {
        return post(signIn.dataset.verifyUrl, { credential: assertionJSON(credential) });
      }).then(follow);
    });
  }
}());

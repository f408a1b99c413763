// Runs the WebAuthn ceremony of a passkey form (authority-pages/pages.ts `passkeyForm`) with
// @simplewebauthn/browser (served as /assets/simplewebauthn-browser.js, global SimpleWebAuthnBrowser):
// the server's options are in the form's data-options; the authenticator's response goes into the
// hidden `credential` field and the form is submitted. A file of Warden's own origin rather than an
// inline script, so `script-src 'self'` holds.
for (const form of document.querySelectorAll('form[data-passkey]')) {
  const message = form.querySelector('[data-passkey-error]');
  form.querySelector('[data-passkey-start]').addEventListener('click', async () => {
    const browser = globalThis.SimpleWebAuthnBrowser;
    if (!browser?.browserSupportsWebAuthn()) {
      message.textContent = 'This browser cannot use passkeys. Use another way to sign in.';
      message.hidden = false;
      return;
    }
    try {
      const optionsJSON = JSON.parse(form.dataset.options);
      const response =
        form.dataset.passkey === 'register'
          ? await browser.startRegistration({ optionsJSON })
          : await browser.startAuthentication({ optionsJSON });
      form.querySelector('input[name="credential"]').value = JSON.stringify(response);
    } catch (error) {
      // Cancelled or refused by the authenticator: nothing is sent, the user may try again.
      message.textContent =
        error?.name === 'NotAllowedError'
          ? 'The passkey request was cancelled or timed out. Try again.'
          : 'Your device could not use a passkey here. Try again or use another way.';
      message.hidden = false;
      return;
    }
    form.submit();
  });
}

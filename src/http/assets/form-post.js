// Submits the form of a form-post page (authority-pages/form-post-page.ts) as soon as it is
// loaded. A file of Warden's own origin rather than an inline script, so `script-src 'self'` holds.
document.querySelector('form[data-auto-submit]')?.submit();

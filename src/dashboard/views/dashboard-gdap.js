// Comfort for the GDAP pages of the partner dashboard (pages/gdap*.ts); every page works without
// it. A file of Warden's own origin, not an inline script, so the strict CSP (script-src 'self') holds.

// "Copy" next to a read-only field (the approval link): shown only when it can work.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  if (!field) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Copied';
      if (status) status.textContent = 'The link is on your clipboard.';
    } catch {
      if (status) status.textContent = 'Copying was not allowed: the link is selected, copy it with Ctrl+C.';
    }
  });
}

// Auto-extension is refused with Global Administrator (reference §1.2): the box follows the role.
const globalAdmin = document.querySelector('input[data-global-admin]');
const autoExtend = document.querySelector('input[data-auto-extend]');
if (globalAdmin && autoExtend) {
  const follow = () => {
    autoExtend.disabled = globalAdmin.checked;
    if (globalAdmin.checked) autoExtend.checked = false;
  };
  globalAdmin.addEventListener('change', follow);
  follow();
}

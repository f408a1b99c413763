/**
 * What the Security info page (`/{tenant}/security-info`, issue 15 item 3) answers when a change is
 * refused (STYLE 4): the page carries the code as `data-code`; docs/errors.md lists every code and
 * test/security-info.test.ts keeps the two in step.
 */
export const SECURITY_INFO_ERRORS = {
  csrf_refused: {
    status: 403,
    description: 'The form was not sent by this page (its token or origin is wrong).',
  },
  last_method_mandated: {
    status: 409,
    description: 'The last MFA method cannot be removed while policy requires MFA of the user.',
  },
  last_phishing_resistant_method: {
    status: 409,
    description: 'Removing the last passkey needs the user to confirm it (the page warns and asks).',
  },
  method_not_found: { status: 404, description: 'No such method of the signed-in user.' },
  passkey_refused: {
    status: 400,
    description:
      'The new passkey was refused: not verified, no user verification, not attested or not an allowed model where the tenant says so, already registered, or its request expired.',
  },
  invalid_code: {
    status: 400,
    description: 'The code does not match the new authenticator app (or its setup expired).',
  },
  invalid_display_name: {
    status: 400,
    description: 'A method name has 1 to 64 characters, none a control character.',
  },
  wrong_password: { status: 400, description: 'The current password given to change it is not right.' },
  throttled: {
    status: 429,
    description:
      'Too many wrong current passwords: the account is locked as after wrong passwords at sign-in.',
  },
  password_policy: {
    status: 400,
    description: 'The new password breaks the password policy, is a breached one, or the two entries differ.',
  },
} as const;

export type SecurityInfoErrorCode = keyof typeof SECURITY_INFO_ERRORS;

import type { Command } from '../command.ts';
import { samCommands } from '../sam/commands.ts';
import { alertsCommands } from './alerts.ts';
import { complianceCommands } from './compliance.ts';
import { dapCommands } from './dap.ts';
import { exceptionCommands } from './exceptions.ts';
import { gdapCommands } from './gdap.ts';
import { loginCommand } from './login.ts';
import { logoutCommand } from './logout.ts';
import { methodsCommands } from './methods.ts';
import { riskCommands } from './risk.ts';
import { securityDefaultsCommands } from './security-defaults.ts';
import { testSecurityRequirementsCommand } from './security-requirements.ts';
import { signinsCommand } from './signins.ts';
import { tokenDecodeCommand } from './token-decode.ts';
import { usersCommands } from './users.ts';
import { whoamiCommand } from './whoami.ts';

/** The client-side commands: they talk to a Warden server over HTTP(S) like any outside tool. */
export const clientCommands: Command[] = [
  loginCommand,
  logoutCommand,
  whoamiCommand,
  tokenDecodeCommand,
  testSecurityRequirementsCommand,
  signinsCommand,
  ...usersCommands,
  ...securityDefaultsCommands,
  // warden methods … (issue 15 item 2): Temporary Access Passes and the first-registration setting.
  ...methodsCommands,
  // warden gdap … (SPEC §13): the relationships' commands (Graph), then DAP's report and removal.
  ...gdapCommands,
  ...dapCommands,
  // warden sam … : partner automation from one MFA consent (SPEC R2).
  ...samCommands,
  // warden compliance … (SPEC §11): the security requirements status.
  ...complianceCommands,
  // warden alerts … (SPEC §13): security alerts and fraud events.
  ...alertsCommands,
  // warden exceptions … (SPEC §12): technical exceptions, filed by partners, reviewed by the operator.
  ...exceptionCommands,
  // warden risk … (SPEC §9): ID Protection's risky users, dismissed or confirmed compromised.
  ...riskCommands,
];

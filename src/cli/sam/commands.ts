import type { Command } from '../command.ts';
import { samConsentCommand } from './consent.ts';
import { samStatusCommand } from './status.ts';
import { samTokenCommand } from './token.ts';

/** warden sam … : the Secure Application Model for partner automation (SPEC R2, reference §3). */
export const samCommands: Command[] = [samConsentCommand, samTokenCommand, samStatusCommand];

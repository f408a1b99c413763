import { Refusal } from './catalogued-error.ts';

/**
 * Refusals of `warden compliance export` and `warden compliance verify` (STYLE 4, issue 14 item 7).
 * `usage`: the command line was wrong (exit 2), else exit 1. docs/errors.md lists every code;
 * test/compliance-evidence.test.ts keeps the two in step.
 */
export const EVIDENCE_ERRORS = {
  invalid_date: { usage: true, description: 'The date is not a calendar day written YYYY-MM-DD.' },
  unknown_partner: { usage: true, description: 'No partner tenant has that id.' },
  not_evidence: {
    usage: false,
    description:
      'The file is not a compact JWS of Warden compliance evidence (wrong typ, algorithm or payload).',
  },
  unknown_key: {
    usage: false,
    description:
      'The evidence was signed by a key the verifier was not given (not in the database or --keys).',
  },
  bad_signature: {
    usage: false,
    description: 'The signature does not verify: the file was changed after it was signed, or forged.',
  },
} as const satisfies Record<string, { usage: boolean; description: string }>;

export type EvidenceErrorCode = keyof typeof EVIDENCE_ERRORS;

export class EvidenceError extends Refusal<EvidenceErrorCode> {
  constructor(code: EvidenceErrorCode, detail?: string) {
    super(
      code,
      detail ? `${EVIDENCE_ERRORS[code].description} (${detail})` : EVIDENCE_ERRORS[code].description,
    );
  }
}

/**
 * An expected refusal with a stable code from a closed union (STYLE 4: errors are data). No stack
 * trace is captured: refusals are outcomes, not bugs, and capturing one cost 7 % of a 401.
 */
export class Refusal<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
  }
}

/** One entry of an API's error catalogue: the HTTP status its code answers with. */
export interface CatalogueEntry {
  status: number;
}

/**
 * A failure of an HTTP API whose codes live in one catalogue (`graph-errors.ts`,
 * `partner-api-errors.ts`; docs/errors.md lists each, test/error-catalogue.test.ts keeps them in
 * step): the code, the status the catalogue gives it, and the message for the body.
 */
export class CataloguedError<Code extends string> extends Refusal<Code> {
  readonly status: number;
  constructor(catalogue: Readonly<Record<Code, CatalogueEntry>>, code: Code, message: string) {
    super(code, message);
    this.status = catalogue[code].status;
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueDateOf } from '../src/technical-exceptions/working-days.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('SPEC §12: the operator answers within three working days (Monday–Friday, UTC)', () => {
  it('SPEC §12: filed Monday to Wednesday, due three days later at the same time', () => {
    assert.equal(iso(dueDateOf(at('2026-11-30T10:00:00Z'))), '2026-12-03T10:00:00.000Z'); // Mon → Thu
    assert.equal(iso(dueDateOf(at('2026-12-02T23:59:00Z'))), '2026-12-07T23:59:00.000Z'); // Wed → Mon
  });

  it('SPEC §12: filed Thursday or Friday, the weekend is skipped', () => {
    assert.equal(iso(dueDateOf(at('2026-12-03T08:00:00Z'))), '2026-12-08T08:00:00.000Z'); // Thu → Tue
    assert.equal(iso(dueDateOf(at('2026-12-04T10:00:00Z'))), '2026-12-09T10:00:00.000Z'); // Fri → Wed
  });

  it('SPEC §12: filed on a weekend, counting starts on Monday: due Wednesday', () => {
    assert.equal(iso(dueDateOf(at('2026-12-05T10:00:00Z'))), '2026-12-09T10:00:00.000Z'); // Sat → Wed
    assert.equal(iso(dueDateOf(at('2026-12-06T00:30:00Z'))), '2026-12-09T00:30:00.000Z'); // Sun → Wed
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Argon2Lane,
  defaultArgon2Concurrency,
  MAX_ARGON2_CONCURRENCY,
} from '../src/authentication-methods/argon2-lane.ts';
import { hashPassword, verifyPassword } from '../src/authentication-methods/passwords.ts';

/*
 * Issue 16 item 5: argon2id work runs at most N at once, so that a sign-in storm leaves the event
 * loop a core and the thread pool a thread (token signatures, files). Beyond N it waits in order.
 */

/** A computation that ends when told to, so a test can hold places in the lane. */
function held() {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  return { end, work: () => ended };
}

describe('argon2id lane (issue 16 item 5)', () => {
  it('keeps one core and one libuv pool thread free, and at least one place', () => {
    assert.equal(defaultArgon2Concurrency(2, 4), 1);
    assert.equal(defaultArgon2Concurrency(1, 4), 1);
    assert.equal(defaultArgon2Concurrency(8, 2.5), 1);
    assert.equal(defaultArgon2Concurrency(8, 4), 3);
    assert.equal(defaultArgon2Concurrency(8, 16), 7);
  });

  it('runs no more than its limit at once, and the waiting in the order they came', async () => {
    const lane = new Argon2Lane(2);
    const jobs = Array.from({ length: 5 }, () => held());
    const started: number[] = [];
    const done = jobs.map((job, i) =>
      lane.run(() => {
        started.push(i);
        return job.work();
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1]);
    assert.equal(lane.running, 2);
    assert.equal(lane.waiting, 3);
    jobs[1]!.end();
    await done[1];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    assert.equal(lane.running, 2);
    assert.equal(lane.waiting, 2);
    for (const job of jobs) job.end();
    await Promise.all(done);
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(lane.running, 0);
    assert.equal(lane.waiting, 0);
  });

  it('frees its place when the work fails', async () => {
    const lane = new Argon2Lane(1);
    await assert.rejects(
      lane.run(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(lane.running, 0);
    assert.equal(await lane.run(async () => 'next'), 'next');
  });

  it('a raised limit starts waiting work; a lowered one lets running work end first', async () => {
    const lane = new Argon2Lane(1);
    const jobs = Array.from({ length: 3 }, () => held());
    const done = jobs.map((job) => lane.run(job.work));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lane.running, 1);
    lane.setLimit(3);
    assert.equal(lane.running, 3);
    assert.equal(lane.waiting, 0);
    lane.setLimit(1);
    const late = held();
    const lateDone = lane.run(late.work);
    jobs[0]!.end();
    jobs[1]!.end();
    await Promise.all([done[0], done[1]]);
    // Three ran under the old limit: the late one waits until fewer than one run.
    assert.equal(lane.running, 1);
    assert.equal(lane.waiting, 1);
    jobs[2]!.end();
    await done[2];
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lane.running, 1);
    assert.equal(lane.waiting, 0);
    late.end();
    await lateDone;
    assert.equal(lane.running, 0);
  });

  it('refuses a limit that is not a whole number from 1 to the ceiling', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_ARGON2_CONCURRENCY + 1]) {
      assert.throws(() => new Argon2Lane(bad), RangeError, String(bad));
      assert.throws(() => new Argon2Lane(1).setLimit(bad), RangeError, String(bad));
    }
    assert.equal(defaultArgon2Concurrency(1024, 1024), MAX_ARGON2_CONCURRENCY);
    assert.equal(defaultArgon2Concurrency(1, 4), 1);
    assert.equal(defaultArgon2Concurrency(8, 2.5), 1);
  });

  it('hashes and verifications still answer through the lane', async () => {
    const stored = await hashPassword('Correct-Horse-2026!');
    const results = await Promise.all([
      verifyPassword(stored, 'Correct-Horse-2026!'),
      verifyPassword(stored, 'wrong'),
      verifyPassword(null, 'anything'),
      verifyPassword(stored, 'Correct-Horse-2026!'),
    ]);
    assert.deepEqual(results, [true, false, false, true]);
  });
});

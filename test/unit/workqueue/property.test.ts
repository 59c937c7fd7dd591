// Random interleavings of submissions and finishing runs, checked against what the queue promises:
// bounded concurrency, one run per node at a time, and every submission settled by the run that
// covered it (the running work it attached to, or the one run its merged entry became).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FakeRunner, coversJob, job, queueWith, settle, type Action } from './fake.ts';

type Op =
  | { op: 'submit'; key: number; action: Action; priority: number; deadline: number }
  | { op: 'finish'; pick: number; ok: boolean };

const ops = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('submit' as const),
      key: fc.integer({ min: 0, max: 3 }),
      action: fc.constantFrom<Action>('taint', 'cordon', 'drain'),
      priority: fc.integer({ min: 0, max: 3 }),
      deadline: fc.integer({ min: 0, max: 3 }),
    }),
    fc.record({ op: fc.constant('finish' as const), pick: fc.nat(), ok: fc.boolean() }),
  ),
  { maxLength: 40 },
);

test('random submissions and completions keep the queue’s promises', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3 }), ops, async (workers, script: Op[]) => {
      const runner = new FakeRunner();
      const queue = queueWith(runner, workers);
      const outcome = new Map<string, string>();
      /** Tag → index of the run it attached to when it was submitted, if it was covered. */
      const attachedTo = new Map<string, number>();
      const finishCall = (index: number, ok: boolean): void => {
        const call = runner.calls[index];
        if (call === undefined) return;
        if (ok) call.finish(`run${index}`);
        else call.fail(new Error(`run${index}`));
      };
      const finished = new Set<number>();
      const openRuns = (): number[] => runner.calls.flatMap((c, i) => (runner.activeKeys.has(c.key) && !finished.has(i) ? [i] : []));

      let tags = 0;
      for (const step of script) {
        if (step.op === 'submit') {
          const tag = `t${tags++}`;
          const key = `node-${step.key}`;
          const incoming = job(tag, step.action, step.priority, step.deadline);
          const runningIndex = openRuns().find((i) => runner.calls[i]?.key === key);
          const running = runningIndex === undefined ? undefined : runner.calls[runningIndex];
          if (runningIndex !== undefined && running !== undefined && coversJob(running.item, incoming)) attachedTo.set(tag, runningIndex);
          queue.submit(key, incoming).then(
            (value) => outcome.set(tag, value),
            (error: Error) => outcome.set(tag, error.message),
          );
        } else {
          const open = openRuns();
          const index = open[step.pick % Math.max(open.length, 1)];
          if (index !== undefined) {
            finished.add(index);
            finishCall(index, step.ok);
          }
        }
        await settle();
        assert.ok(runner.active <= workers, 'concurrency bound');
        assert.equal(queue.running, runner.active);
        assert.equal(runner.overlapOnOneKey, false, 'one run per node at a time');
      }
      // Let everything still queued run to the end.
      for (let open = openRuns(); open.length > 0; open = openRuns()) {
        for (const index of open) {
          finished.add(index);
          finishCall(index, true);
        }
        await settle();
      }
      assert.equal(queue.size, 0);
      assert.equal(outcome.size, tags, 'every submission settled');

      const ranFor = new Map<string, number>();
      runner.calls.forEach((call, index) => {
        for (const tag of call.item.from) {
          assert.equal(ranFor.has(tag), false, `${tag} ran once`);
          ranFor.set(tag, index);
        }
      });
      for (let t = 0; t < tags; t++) {
        const tag = `t${t}`;
        const covering = attachedTo.get(tag) ?? ranFor.get(tag);
        assert.notEqual(covering, undefined, `${tag} was covered by some run`);
        assert.equal(attachedTo.has(tag) && ranFor.has(tag), false, `${tag} attached or merged, not both`);
        assert.equal(outcome.get(tag), `run${covering}`);
      }
    }),
    { numRuns: 150 },
  );
});

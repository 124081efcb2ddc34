import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

describe('ManualClock', () => {
  it('starts where told and moves only when advanced or set', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.set(5);
    expect(clock.now()).toBe(5);
    expect(new ManualClock().now()).toBe(0);
  });

  it('fires timers in due-time order, ties in creation order, with now() at each due time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimeout(at('c'), 30);
    clock.setTimeout(at('a'), 10);
    clock.setTimeout(at('b1'), 20);
    clock.setTimeout(at('b2'), 20);
    clock.setTimeout(at('late'), 101);
    clock.advance(100);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.now()).toBe(100);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(101);
    clock.advance(1);
    expect(fired.at(-1)).toBe('late@101');
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it('fires a timer due exactly at the end of the window, and a zero delay on the next advance', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 50);
    clock.advance(50);
    clock.setTimeout(() => fired.push(clock.now()), 0);
    expect(fired).toEqual([50]);
    clock.advance(0);
    expect(fired).toEqual([50, 50]);
  });

  it('re-arms intervals, interleaved with timeouts, until cancelled', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const tick = clock.setInterval(() => fired.push(`tick@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`once@${clock.now()}`), 25);
    clock.advance(35);
    expect(fired).toEqual(['tick@10', 'tick@20', 'once@25', 'tick@30']);
    expect(clock.nextTimerAt()).toBe(40);
    tick.cancel();
    tick.cancel();
    clock.advance(100);
    expect(fired).toHaveLength(4);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a cancelled timer never fires, even when cancelled by a timer firing earlier in the same advance', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const victim = clock.setTimeout(() => fired.push('victim'), 20);
    clock.setTimeout(() => {
      fired.push('killer');
      victim.cancel();
    }, 10);
    clock.setTimeout(() => fired.push('never'), 5).cancel();
    clock.advance(100);
    expect(fired).toEqual(['killer']);
  });

  it('an interval may cancel itself from its callback', () => {
    const clock = new ManualClock(0);
    let n = 0;
    const t = clock.setInterval(() => {
      if (++n === 3) t.cancel();
    }, 10);
    clock.advance(1_000);
    expect(n).toBe(3);
  });

  it('fires timers that callbacks create within the advanced window, in order', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push(`outer@${clock.now()}`);
      clock.setTimeout(() => fired.push(`inner@${clock.now()}`), 15);
      clock.setTimeout(() => fired.push(`beyond@${clock.now()}`), 500);
    }, 10);
    clock.setTimeout(() => fired.push(`other@${clock.now()}`), 20);
    clock.advance(100);
    expect(fired).toEqual(['outer@10', 'other@20', 'inner@25']);
    expect(clock.nextTimerAt()).toBe(510);
  });

  it('never runs a timer backwards after set() moved the clock past it', () => {
    const clock = new ManualClock(0);
    let seen = -1;
    clock.setTimeout(() => {
      seen = clock.now();
    }, 10);
    clock.set(1_000);
    expect(seen).toBe(-1);
    clock.advance(0);
    expect(seen).toBe(1_000);
  });

  it('rejects a negative or non-finite advance', async () => {
    const clock = new ManualClock(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    await expect(clock.advanceAsync(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
  });

  describe('sleep', () => {
    it('resolves when the clock reaches its end, not before', async () => {
      const clock = new ManualClock(0);
      let done = false;
      const slept = clock.sleep(100).then(() => {
        done = true;
      });
      clock.advance(99);
      await Promise.resolve();
      expect(done).toBe(false);
      clock.advance(1);
      await slept;
      expect(done).toBe(true);
      expect(clock.pendingTimers()).toBe(0);
    });

    it('rejects with the signal reason on abort and cancels its timer', async () => {
      const clock = new ManualClock(0);
      const ac = new AbortController();
      const slept = clock.sleep(1_000, ac.signal);
      expect(clock.pendingTimers()).toBe(1);
      const reason = new Error('stop');
      ac.abort(reason);
      await expect(slept).rejects.toBe(reason);
      expect(clock.pendingTimers()).toBe(0);
    });

    it('rejects at once when the signal has already aborted, scheduling nothing', async () => {
      const clock = new ManualClock(0);
      const reason = new Error('already');
      await expect(clock.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
      expect(clock.pendingTimers()).toBe(0);
    });

    it('an abort after the sleep ended changes nothing', async () => {
      const clock = new ManualClock(0);
      const ac = new AbortController();
      const slept = clock.sleep(10, ac.signal);
      clock.advance(10);
      await slept;
      ac.abort(new Error('late'));
      await expect(slept).resolves.toBeUndefined();
    });
  });

  describe('advanceAsync', () => {
    it('lets an async chain of sleeps progress within one call', async () => {
      const clock = new ManualClock(0);
      const log: string[] = [];
      const chain = (async () => {
        await clock.sleep(100);
        log.push(`first@${clock.now()}`);
        await Promise.resolve();
        await clock.sleep(200);
        log.push(`second@${clock.now()}`);
        await clock.sleep(1_000);
        log.push('third');
      })();
      await clock.advanceAsync(300);
      expect(log).toEqual(['first@100', 'second@300']);
      expect(clock.now()).toBe(300);
      expect(clock.nextTimerAt()).toBe(1_300);
      await clock.advanceAsync(1_000);
      await chain;
      expect(log).toEqual(['first@100', 'second@300', 'third']);
    });

    it('a backoff loop (retry with doubling waits) runs to its end on virtual time', async () => {
      const clock = new ManualClock(0);
      const attempts: number[] = [];
      const retry = async () => {
        for (let i = 0, wait = 1_000; ; i++, wait *= 2) {
          attempts.push(clock.now());
          if (i === 3) return 'ok';
          await clock.sleep(wait);
        }
      };
      const result = retry();
      await clock.advanceAsync(7_000);
      await expect(result).resolves.toBe('ok');
      expect(attempts).toEqual([0, 1_000, 3_000, 7_000]);
    });

    it('plain advance does not let the chain past its first sleep', async () => {
      const clock = new ManualClock(0);
      const log: number[] = [];
      void (async () => {
        await clock.sleep(10);
        log.push(clock.now());
        await clock.sleep(10);
        log.push(clock.now());
      })();
      clock.advance(20);
      await new Promise((r) => setImmediate(r));
      // The second sleep was scheduled after advance returned: from 20, not from 10.
      expect(log).toEqual([20]);
      expect(clock.nextTimerAt()).toBe(30);
    });
  });
});

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('runs, cancels and repeats real timers', async () => {
    const fired: string[] = [];
    systemClock.setTimeout(() => fired.push('never'), 1).cancel();
    let n = 0;
    await new Promise<void>((resolve) => {
      const t = systemClock.setInterval(
        () => {
          if (++n === 2) {
            t.cancel();
            resolve();
          }
        },
        1,
        { unref: true },
      );
    });
    await systemClock.sleep(2);
    expect(fired).toEqual([]);
    expect(n).toBe(2);
  });

  it('a timeout runs only once now() has reached its due time', async () => {
    const late = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          new Promise<number>((resolve) => {
            const due = systemClock.now() + 1 + (i % 5);
            systemClock.setTimeout(() => resolve(systemClock.now() - due), 1 + (i % 5));
          }),
      ),
    );
    for (const ms of late) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('sleep rejects with the abort reason', async () => {
    const reason = new Error('abort');
    await expect(systemClock.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    const ac = new AbortController();
    const slept = systemClock.sleep(60_000, ac.signal);
    ac.abort(reason);
    await expect(slept).rejects.toBe(reason);
  });
});

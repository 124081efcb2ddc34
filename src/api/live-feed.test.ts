import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { LIVE_TOPICS, LiveFeed, type LiveTopic } from './live-feed.js';

function feedOver(state: Record<LiveTopic, string>, clock = new ManualClock(0)) {
  const probes = Object.fromEntries(LIVE_TOPICS.map((t) => [t, async () => state[t]])) as Record<
    LiveTopic,
    () => Promise<string>
  >;
  return { clock, feed: new LiveFeed({ clock, intervalMs: 1000, probes }) };
}

describe('LiveFeed', () => {
  it('tells its listeners which topics changed since the last pass, polling on the injected clock', async () => {
    const state = Object.fromEntries(LIVE_TOPICS.map((t) => [t, 'a'])) as Record<LiveTopic, string>;
    const { clock, feed } = feedOver(state);
    const seen: LiveTopic[][] = [];
    const stop = feed.subscribe((t) => seen.push(t));
    await clock.advanceAsync(1000); // the first pass only learns the state
    state.runs = 'b';
    state.drift = 'b';
    await clock.advanceAsync(1000);
    await clock.advanceAsync(1000); // nothing new
    expect(seen).toEqual([['runs', 'drift']]);
    stop();
    state.models = 'b';
    await clock.advanceAsync(5000);
    expect(seen).toHaveLength(1);
  });

  it('a probe that fails does not end the feed; its topic counts as changed when it fails and recovers', async () => {
    let fail = false;
    const probes = Object.fromEntries(LIVE_TOPICS.map((t) => [t, async () => 'a'])) as Record<
      LiveTopic,
      () => Promise<string>
    >;
    probes.events = async () => {
      if (fail) throw new Error('database is locked');
      return 'a';
    };
    const feed = new LiveFeed({ clock: new ManualClock(0), intervalMs: 1000, probes });
    expect(await feed.poll()).toEqual([]);
    fail = true;
    expect(await feed.poll()).toEqual(['events']);
    fail = false;
    expect(await feed.poll()).toEqual(['events']);
    expect(await feed.poll()).toEqual([]);
  });
});

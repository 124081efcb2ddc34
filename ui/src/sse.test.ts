import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SseParser', () => {
  it('returns events as their blocks complete, across chunk boundaries, without comments', () => {
    const p = new SseParser();
    expect(p.push('retry: 3000\nevent: hello\ndata: {"a":1}\n\n: ping\n\nevent: cha')).toEqual([
      { event: 'hello', data: '{"a":1}' },
    ]);
    expect(p.push('nge\ndata: {"topics":["runs"]}\r\n\r\ndata: x\ndata: y\n\n')).toEqual([
      { event: 'change', data: '{"topics":["runs"]}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });
});

/** One Server-Sent Event: its `event` name (default `message`) and its `data` lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits a Server-Sent Events byte stream into events, chunk by chunk: feed it text as it arrives and
 * it returns the events completed so far (comments and `retry:` lines are dropped).
 */
export class SseParser {
  #buffer = '';

  push(chunk: string): SseEvent[] {
    this.#buffer += chunk.replace(/\r\n?/g, '\n');
    const out: SseEvent[] = [];
    let end = this.#buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || line === '') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) out.push({ event, data: data.join('\n') });
      end = this.#buffer.indexOf('\n\n');
    }
    return out;
  }
}

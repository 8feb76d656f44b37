// The live event stream (GET /api/events, Server-Sent Events) read with
// fetch() and a ReadableStream instead of EventSource, so that the
// Authorization header can be sent. Reconnects with exponential backoff
// (with jitter), waits for a token after a 401, and treats 45 s without a byte
// (the server sends a keepalive comment every 15 s) as a dead connection.
import { auth, type EventMap, type EventName } from './api';

export type StreamStatus = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

type Handler<K extends EventName> = (data: EventMap[K]) => void;
type AnyHandler = (name: EventName, data: unknown) => void;

const KNOWN: ReadonlySet<string> = new Set(['hello', 'span', 'artifact', 'agent_started', 'agent_finished', 'agent_failed']);
const IDLE_TIMEOUT_MS = 45_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;

// Splits a text stream into SSE messages (https://html.spec.whatwg.org/#event-stream-interpretation).
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private sawCr = false;
  constructor(private readonly onMessage: (event: string, data: string) => void) {}

  push(chunk: string): void {
    let text = chunk;
    // A CR ending the previous chunk followed by LF is one line break.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = text.endsWith('\r');
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onMessage(this.event || 'message', this.data.join('\n'));
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment (keepalive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    // id and retry are not used: the server's events are not replayable.
  }
}

class EventStream {
  private handlers = new Map<string, Set<(data: unknown) => void>>();
  private anyHandlers = new Set<AnyHandler>();
  private statusListeners = new Set<(s: StreamStatus) => void>();
  private _status: StreamStatus = 'connecting';
  private started = false;
  private current: AbortController | null = null;
  private wake: (() => void) | null = null;
  private _lastEventAt = 0;

  get status(): StreamStatus {
    return this._status;
  }
  get lastEventAt(): number {
    return this._lastEventAt;
  }

  on<K extends EventName>(name: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    const h = handler as (data: unknown) => void;
    set.add(h);
    return () => set!.delete(h);
  }

  onAny(handler: AnyHandler): () => void {
    this.anyHandlers.add(handler);
    return () => this.anyHandlers.delete(handler);
  }

  onStatus(listener: (s: StreamStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    // A new token: reconnect now instead of waiting for the backoff.
    auth.subscribe(() => {
      if (!auth.required()) this.reconnectNow();
    });
    void this.loop();
  }

  reconnectNow(): void {
    this.current?.abort();
    this.wake?.();
  }

  private setStatus(s: StreamStatus): void {
    if (s === this._status) return;
    this._status = s;
    this.statusListeners.forEach((l) => l(s));
  }

  private dispatch(event: string, raw: string): void {
    if (!KNOWN.has(event)) return;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return;
    }
    this._lastEventAt = Date.now();
    this.handlers.get(event)?.forEach((h) => {
      try {
        h(data);
      } catch (e) {
        console.error('event handler failed', e);
      }
    });
    this.anyHandlers.forEach((h) => h(event as EventName, data));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = null;
    });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    for (;;) {
      if (auth.required()) {
        this.setStatus('unauthorized');
        await this.sleep(60_000); // woken by a new token
        continue;
      }
      this.setStatus(failures === 0 ? 'connecting' : 'reconnecting');
      const ctrl = new AbortController();
      this.current = ctrl;
      let idle: ReturnType<typeof setTimeout> | undefined;
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => ctrl.abort(), IDLE_TIMEOUT_MS);
      };
      try {
        armIdle();
        const res = await fetch('/api/events', {
          headers: { Accept: 'text/event-stream', ...auth.headers() },
          signal: ctrl.signal,
          cache: 'no-store',
        });
        if (res.status === 401) {
          clearTimeout(idle);
          auth.markRequired();
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        failures = 0;
        this.setStatus('connected');
        const parser = new SseParser((event, data) => this.dispatch(event, data));
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          armIdle();
          parser.push(decoder.decode(value, { stream: true }));
        }
      } catch {
        // network error, abort (idle timeout, new token): reconnect below
      } finally {
        clearTimeout(idle);
        this.current = null;
      }
      failures++;
      this.setStatus(auth.required() ? 'unauthorized' : 'reconnecting');
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(failures - 1, 10));
      await this.sleep(backoff * (0.75 + Math.random() * 0.5));
    }
  }
}

export const events = new EventStream();

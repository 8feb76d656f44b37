// Data hooks shared by the views: requests that reload when a token is
// entered, debounced reloads on live events, and the hash route.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { ApiError, auth, type EventMap, type EventName } from './api';
import { events, type StreamStatus } from './events';

// Bumped after a change that no live event reports (clearing the traces):
// every useApi hook reloads.
let dataEpoch = 0;
const dataListeners = new Set<() => void>();
export function invalidateAll(): void {
  dataEpoch++;
  dataListeners.forEach((l) => l());
}
function subscribeData(l: () => void): () => void {
  dataListeners.add(l);
  return () => dataListeners.delete(l);
}
const getDataEpoch = () => dataEpoch;

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

// Runs fn when deps change, on reload(), and when a new token is entered.
// Keeps the last data while a reload is in flight (no flicker); aborts
// superseded requests.
export function useApi<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const epoch = useSyncExternalStore(auth.subscribe, auth.epoch);
  const data_epoch = useSyncExternalStore(subscribeData, getDataEpoch);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    fnRef.current(ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick, epoch, data_epoch]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

// Subscribes to one live event type for the component's lifetime.
export function useEvent<K extends EventName>(name: K, handler: (data: EventMap[K]) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => events.on(name, (d) => ref.current(d)), [name]);
}

// Calls reload after events of the given types, debounced (trailing, waitMs)
// but at least every maxWaitMs while events keep coming; also after the
// stream (re)connects, since events may have been missed in between.
export function useLiveReload(
  names: EventName[],
  reload: () => void,
  { waitMs = 400, maxWaitMs = 2000, enabled = true, filter }: { waitMs?: number; maxWaitMs?: number; enabled?: boolean; filter?: (name: EventName, data: unknown) => boolean } = {},
): void {
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const key = names.join(',');
  useEffect(() => {
    if (!enabled) return;
    const wanted = new Set<string>(key.split(','));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first = 0;
    const fire = () => {
      timer = undefined;
      first = 0;
      reloadRef.current();
    };
    const off = events.onAny((name, data) => {
      if (!wanted.has(name) && name !== 'hello') return;
      if (name !== 'hello' && filterRef.current && !filterRef.current(name, data)) return;
      const now = Date.now();
      if (!first) first = now;
      clearTimeout(timer);
      const wait = Math.max(0, Math.min(waitMs, maxWaitMs - (now - first)));
      timer = setTimeout(fire, wait);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [key, waitMs, maxWaitMs, enabled]);
}

export function useStreamStatus(): StreamStatus {
  return useSyncExternalStore(
    (l) => events.onStatus(l),
    () => events.status,
  );
}

export function useAuthRequired(): boolean {
  return useSyncExternalStore(auth.subscribe, auth.required);
}

// ---------- hash routing: #/path?query ----------

export interface Route {
  path: string[]; // decoded segments
  query: URLSearchParams;
}

function parseHash(): Route {
  const raw = window.location.hash.replace(/^#/, '') || '/traces';
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const path = pathPart
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path, query };
}

let currentRoute = parseHash();
let routeKey = window.location.hash;
const routeListeners = new Set<() => void>();
window.addEventListener('hashchange', () => {
  if (window.location.hash === routeKey) return;
  routeKey = window.location.hash;
  currentRoute = parseHash();
  routeListeners.forEach((l) => l());
});

export function useRoute(): Route {
  return useSyncExternalStore(
    (l) => {
      routeListeners.add(l);
      return () => routeListeners.delete(l);
    },
    () => currentRoute,
  );
}

export function href(path: string, query?: Record<string, string | number | undefined | null>): string {
  let h = '#' + path;
  if (query) {
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') sp.set(k, String(v));
    const s = sp.toString();
    if (s) h += '?' + s;
  }
  return h;
}

// Changes the route; replace=true does not add a history entry (filters).
export function navigate(to: string, replace = false): void {
  if (to === window.location.hash) return;
  if (replace) {
    history.replaceState(null, '', to);
    routeKey = window.location.hash;
    currentRoute = parseHash();
    routeListeners.forEach((l) => l());
  } else {
    window.location.hash = to;
  }
}

// The typed client of the flock HTTP API (docs/http-api.md). Every request
// goes through request(), which adds `Authorization: Bearer <token>` when a
// token is known (sessionStorage) and reports a 401 to the auth listeners so
// the app can ask for the token.

// ---------- types of every route ----------

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Health {
  status: string;
}

// An agent: registered in the serving Flock (source "flock"), or, over a
// trace file alone (source "spans"), what its Agent.execute spans recorded;
// then only name, consumes, publishes, runs and last_seen are known.
export interface Agent {
  name: string;
  description?: string;
  consumes: string[];
  publishes: string[];
  max_concurrency?: number;
  prevent_self_trigger?: boolean;
  runs?: number;
  last_seen?: number; // ns since the epoch: the end of its last run
}
export interface AgentsResponse {
  agents: Agent[];
  source?: 'flock' | 'spans';
}

export interface AgentStats {
  agent_name: string;
  runs: number;
  errors: number;
  error_rate: number;
  avg_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd?: number | null; // null: some model it called has no price
  models?: ModelUsage[];
}
export interface AgentStatsResponse {
  agents: AgentStats[];
}

// Tokens and cost (docs/http-api.md, "Tokens and cost"): a price in US
// dollars per million tokens, dated; cost_usd null = unknown (no price).
export interface ModelPrice {
  input_per_million: number;
  output_per_million: number;
  as_of: string;
}
export interface ModelUsage {
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  price: ModelPrice | null;
}
export interface ModelStats extends ModelUsage {
  traces: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}
export interface ModelStatsResponse {
  models: ModelStats[];
  prices: string; // where the prices come from (the source of GET /api/prices)
}
export interface PricesResponse {
  currency: string;
  source: string;
  models: Record<string, ModelPrice | null>; // null: removed by FLOCK_PRICES_FILE
}

export interface ArtifactType {
  name: string;
  schema: JsonObject;
}
export interface ArtifactTypesResponse {
  artifact_types: ArtifactType[];
}

export interface Artifact {
  id: string;
  type: string;
  payload: JsonValue;
  produced_by: string;
  correlation_id: string | null;
  tags: string[];
  created_at: string;
}
export interface PublishRequest {
  type: string;
  payload: JsonValue;
  correlation_id?: string;
  tags?: string[];
}
export interface PublishResponse {
  artifact: Artifact;
}
export interface ArtifactsQuery {
  type?: string;
  correlation_id?: string;
  limit?: number;
  offset?: number;
}
export interface ArtifactsResponse {
  items: Artifact[];
  total: number;
}

export interface TraceSummary {
  trace_id: string;
  root_name: string;
  workflow_name: string | null;
  start_time: number; // ns since the epoch
  end_time?: number;
  duration_ms: number;
  span_count: number;
  error_count: number;
  status?: string;
  services: string[]; // span classes (Agent, Flock, ...)
  agents?: string[]; // agent.name of the agents that ran
  service_names?: string[]; // the resource's service.name
  error_message?: string | null; // the first failed span's message
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number | null; // null: some model of the trace has no price
  models?: ModelUsage[];
  correlation_ids?: string[];
}
export type TraceSort = 'start_time' | 'duration_ms' | 'span_count' | 'error_count';
export interface TracesQuery {
  workflow?: string;
  service?: string;
  operation?: string;
  status?: '' | 'ok' | 'error';
  correlation_id?: string;
  min_duration_ms?: string | number;
  max_duration_ms?: string | number;
  since?: string;
  until?: string;
  q?: string;
  tag?: string; // an artifact tag published in the trace
  agent?: string;
  sort?: TraceSort | '';
  order?: 'asc' | 'desc' | '';
  limit?: number;
  offset?: number;
}
export interface TracesResponse {
  items: TraceSummary[];
  total: number;
}

export type StatusCode = 'UNSET' | 'OK' | 'ERROR';

export interface SpanEvent {
  name: string;
  timestamp: number;
  attributes: JsonObject;
}

export interface Span {
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  name: string;
  service: string | null;
  operation: string | null;
  kind: string;
  start_time: number;
  end_time: number;
  duration_ms: number;
  status_code: StatusCode;
  status_description: string | null;
  attributes: JsonObject;
  events: SpanEvent[];
  links: JsonValue[];
  resource: JsonObject;
  created_at: string | null;
}
export interface TraceResponse {
  trace_id: string;
  spans: Span[];
}

export interface ServicesResponse {
  services: string[];
  operations: string[];
}

export interface TraceStats {
  total_spans: number;
  total_traces: number;
  services_count: number;
  oldest_trace: string | null;
  newest_trace: string | null;
  database_size_mb: number;
}

// The figures that workflow and service statistics share.
export interface DurationStats {
  errors: number;
  error_rate: number;
  avg_ms: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

export interface WorkflowStats extends DurationStats {
  workflow_name: string;
  runs: number;
}
export interface WorkflowStatsResponse {
  workflows: WorkflowStats[];
}

export interface ServiceStats extends DurationStats {
  service: string;
  spans: number;
  p99_ms?: number;
  rate_per_s?: number; // spans per second between its first start and last end
}
export interface ServiceStatsResponse {
  services: ServiceStats[];
}

export interface DependencyEdge {
  parent: string;
  child: string;
  calls: number;
  errors: number;
}
export type DependencyBy = 'agent' | 'service' | 'operation';
export interface DependenciesResponse {
  edges: DependencyEdge[];
  by?: DependencyBy;
}

export interface TracingConfig {
  sdk_disabled: boolean;
  auto_trace: boolean;
  trace_file: boolean;
  services: string[];
  ignore: string[];
  ttl_days: number | null;
  auto_workflow_trace: boolean;
  service_name: string;
  flush_ms: number;
  queue_policy: string;
  max_queue_bytes: number;
  exit_grace_ms: number;
  otlp: { endpoint: string; protocol: string } | null;
}
export interface ConfigResponse {
  version: string;
  live: boolean; // a running Flock, not a trace file alone
  store: { path: string; exists: boolean; size_mb: number };
  tracing: TracingConfig;
  server: { dashboard: boolean; query_row_limit: number; query_timeout_ms: number };
}

export interface QueryResponse {
  columns: string[];
  rows: JsonValue[][];
  row_count: number;
  truncated: boolean;
}

export interface ClearResponse {
  success: boolean;
  deleted_count: number;
  error: string;
}

// ---------- events of GET /api/events ----------

export interface HelloEvent {
  version: string;
}
export interface SpanEndedEvent {
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  name: string;
  start_time: number;
  end_time: number;
  duration_ms: number;
  status_code: StatusCode;
  agent_name?: string;
  workflow_name?: string;
}
export interface ArtifactEvent {
  id: string;
  type: string;
  produced_by: string;
  correlation_id: string | null;
  tags: string[];
  created_at: string;
}
export interface AgentActivityEvent {
  agent: string;
  artifact_id: string;
  correlation_id: string | null;
  trace_id: string;
  span_id: string;
  error?: string;
}
export interface EventMap {
  hello: HelloEvent;
  span: SpanEndedEvent;
  artifact: ArtifactEvent;
  agent_started: AgentActivityEvent;
  agent_finished: AgentActivityEvent;
  agent_failed: AgentActivityEvent;
}
export type EventName = keyof EventMap;

// ---------- token ----------

const TOKEN_KEY = 'flock.api_token';
type AuthListener = () => void;
const authListeners = new Set<AuthListener>();
let authRequired = false;
let authEpoch = 0;

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export const auth = {
  token(): string | null {
    return readToken();
  },
  setToken(token: string | null): void {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // storage disabled: the token lives only as long as the check below
    }
    authRequired = false;
    authEpoch++;
    authListeners.forEach((l) => l());
  },
  required(): boolean {
    return authRequired;
  },
  // Changes whenever a token is entered: data hooks reload on it.
  epoch(): number {
    return authEpoch;
  },
  markRequired(): void {
    if (authRequired) return;
    authRequired = true;
    authListeners.forEach((l) => l());
  },
  subscribe(l: AuthListener): () => void {
    authListeners.add(l);
    return () => authListeners.delete(l);
  },
  headers(): Record<string, string> {
    const t = readToken();
    return t ? { Authorization: `Bearer ${t}` } : {};
  },
};

// ---------- requests ----------

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

type Params = Record<string, string | number | boolean | null | undefined>;

export function queryString(params: Params): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...auth.headers() };
  const init: RequestInit = { method, headers, signal, cache: 'no-store' };
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the server (${(e as Error).message})`);
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (res.status === 401) {
    auth.markRequired();
    throw new ApiError(401, errorMessage(data) ?? 'an API token is required');
  }
  if (!res.ok) {
    throw new ApiError(res.status, errorMessage(data) ?? `${res.status} ${res.statusText}`);
  }
  if (data === undefined) throw new ApiError(res.status, `${path}: the response is not JSON`);
  return data as T;
}

function errorMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object' && 'error' in data) {
    const e = (data as { error: unknown }).error;
    if (typeof e === 'string' && e) return e;
  }
  return undefined;
}

const enc = encodeURIComponent;
const get = <T,>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal);
const post = <T,>(path: string, body: unknown, signal?: AbortSignal) => request<T>('POST', path, body, signal);
// A route without parameters: a function of the abort signal only.
const getter =
  <T,>(path: string) =>
  (signal?: AbortSignal) =>
    get<T>(path, signal);

export const api = {
  health: getter<Health>('/api/health'),
  agents: getter<AgentsResponse>('/api/agents'),
  agentStats: getter<AgentStatsResponse>('/api/agents/stats'),
  modelStats: getter<ModelStatsResponse>('/api/models/stats'),
  prices: getter<PricesResponse>('/api/prices'),
  config: getter<ConfigResponse>('/api/config'),
  artifactTypes: getter<ArtifactTypesResponse>('/api/artifact-types'),
  publish: (body: PublishRequest, signal?: AbortSignal) => post<PublishResponse>('/api/artifacts', body, signal),
  artifacts: (q: ArtifactsQuery, signal?: AbortSignal) => get<ArtifactsResponse>(`/api/artifacts${queryString({ ...q })}`, signal),
  traces: (q: TracesQuery, signal?: AbortSignal) => get<TracesResponse>(`/api/traces${queryString({ ...q })}`, signal),
  trace: (traceId: string, signal?: AbortSignal) => get<TraceResponse>(`/api/traces/${enc(traceId)}`, signal),
  traceOtlp: (traceId: string, signal?: AbortSignal) => get<JsonObject>(`/api/traces/${enc(traceId)}/otlp`, signal),
  services: getter<ServicesResponse>('/api/traces/services'),
  traceStats: getter<TraceStats>('/api/traces/stats'),
  workflowStats: getter<WorkflowStatsResponse>('/api/workflows/stats'),
  serviceStats: getter<ServiceStatsResponse>('/api/services/stats'),
  dependencies: (by: DependencyBy, signal?: AbortSignal) => get<DependenciesResponse>(`/api/dependencies${queryString({ by })}`, signal),
  query: (sql: string, signal?: AbortSignal) => post<QueryResponse>('/api/traces/query', { sql }, signal),
  clear: (signal?: AbortSignal) => post<ClearResponse>('/api/traces/clear', {}, signal),
};

// Agents and artifact types as a live graph: type -> agent for what an agent
// consumes, agent -> type for what it publishes. Live events light up running
// and failed agents and count artifacts per type; a form publishes an
// artifact (POST /api/artifacts); a table gives each agent's statistics.
// Over a trace file alone (`flock dashboard FILE`) the agents are what their
// spans recorded (source "spans"), and the view says which facts the store
// does not hold.
import { useMemo, useRef, useState } from 'react';
import { api, type Agent, type ArtifactEvent, type ArtifactType, type JsonObject, type JsonValue } from '../api';
import { AGENT_ERRORS_NOTE, AgentStatsTable } from '../components/AgentStatsTable';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { JsonTree } from '../components/JsonTree';
import { Card, Options } from '../components/ui';
import { colorFor, formatRelative, formatTime, plural, shortId } from '../format';
import { href, useApi, useEvent, useLiveReload } from '../hooks';

const NOT_STORED = 'not in the trace file';

interface Activity {
  at: number;
  kind: 'agent_started' | 'agent_finished' | 'agent_failed' | 'artifact';
  text: string;
  traceId?: string;
  error?: string;
}

// A payload skeleton from a JSON Schema (for the publish form).
function skeleton(schema: JsonValue | undefined, depth = 0): JsonValue {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || depth > 6) return null;
  const s = schema as JsonObject;
  if ('default' in s) return s.default;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const out: JsonObject = {};
      const props = (s.properties ?? {}) as JsonObject;
      for (const [k, v] of Object.entries(props)) out[k] = skeleton(v, depth + 1);
      return out;
    }
    case 'array':
      return [];
    case 'string':
      return Array.isArray(s.enum) && s.enum.length ? s.enum[0] : '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

export function AgentsView() {
  const agents = useApi(api.agents, []);
  const types = useApi(api.artifactTypes, []);
  const stats = useApi(api.agentStats, []);
  useLiveReload(['span'], stats.reload, { waitMs: 1500, maxWaitMs: 5000 });
  useLiveReload(['span'], agents.reload, { waitMs: 2000, maxWaitMs: 8000, enabled: agents.data?.source === 'spans' });
  const fromSpans = agents.data?.source === 'spans';
  const [running, setRunning] = useState<Map<string, number>>(new Map());
  const [failed, setFailed] = useState<Map<string, number>>(new Map());
  const [artifactCounts, setArtifactCounts] = useState<Map<string, number>>(new Map());
  const [activity, setActivity] = useState<Activity[]>([]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const failTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const push = (a: Activity) => setActivity((l) => [a, ...l].slice(0, 60));
  const bump = (m: Map<string, number>, k: string, d: number) => {
    const n = new Map(m);
    const v = (n.get(k) ?? 0) + d;
    if (v <= 0) n.delete(k);
    else n.set(k, v);
    return n;
  };
  useEvent('hello', () => {
    agents.reload();
    types.reload();
    setRunning(new Map());
  });
  useEvent('agent_started', (e) => {
    setRunning((m) => bump(m, e.agent, 1));
    push({ at: Date.now(), kind: 'agent_started', text: `${e.agent} started`, traceId: e.trace_id });
  });
  useEvent('agent_finished', (e) => {
    setRunning((m) => bump(m, e.agent, -1));
    push({ at: Date.now(), kind: 'agent_finished', text: `${e.agent} finished`, traceId: e.trace_id });
  });
  useEvent('agent_failed', (e) => {
    setRunning((m) => bump(m, e.agent, -1));
    setFailed((m) => bump(m, e.agent, 1));
    clearTimeout(failTimers.current.get(e.agent));
    failTimers.current.set(
      e.agent,
      setTimeout(() => setFailed((m) => { const n = new Map(m); n.delete(e.agent); return n; }), 6000),
    );
    push({ at: Date.now(), kind: 'agent_failed', text: `${e.agent} failed`, traceId: e.trace_id, error: e.error });
  });
  useEvent('artifact', (e: ArtifactEvent) => {
    setArtifactCounts((m) => bump(m, e.type, 1));
    push({ at: Date.now(), kind: 'artifact', text: `${e.type} published by ${e.produced_by || 'external'}` });
  });

  const agentList: Agent[] = agents.data?.agents ?? [];
  const typeList: ArtifactType[] = types.data?.artifact_types ?? [];

  const { nodes, edges } = useMemo(() => {
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    // Registration order usually follows the pipeline: each agent's consumed
    // types, the agent, its published types; the layout breaks cycles in
    // this order, so the first agent's input ends up on the left.
    const typeOrder: string[] = [];
    const addType = (t: string) => !typeOrder.includes(t) && typeOrder.push(t);
    for (const a of agentList) {
      a.consumes.forEach(addType);
      a.publishes.forEach(addType);
    }
    typeList.forEach((t) => addType(t.name));
    const typeNode = (t: string): GraphNode => {
      const count = artifactCounts.get(t);
      return { id: `type:${t}`, label: t, kind: 'type', badge: count ? String(count) : undefined, testId: 'type-node', title: `artifact type ${t}` };
    };
    const placedTypes = new Set<string>();
    const pushType = (t: string) => {
      if (placedTypes.has(t)) return;
      placedTypes.add(t);
      nodes.push(typeNode(t));
    };
    for (const a of agentList) a.consumes.forEach(pushType);
    typeOrder.forEach(pushType);
    for (const a of agentList) {
      const r = running.get(a.name) ?? 0;
      const f = failed.get(a.name) ?? 0;
      nodes.push({
        id: `agent:${a.name}`,
        label: a.name,
        kind: 'agent',
        sublabel: r > 0 ? `running ×${r}` : f > 0 ? 'failed' : a.max_concurrency !== undefined ? `max ${a.max_concurrency}` : a.runs !== undefined ? plural(a.runs, 'run') : undefined,
        state: r > 0 ? 'running' : f > 0 ? 'failed' : '',
        color: colorFor(a.name),
        testId: 'agent-node',
        title: a.description || a.name,
      });
      for (const t of a.consumes) edges.push({ from: `type:${t}`, to: `agent:${a.name}`, kind: 'consumes' });
      for (const t of a.publishes) edges.push({ from: `agent:${a.name}`, to: `type:${t}`, kind: 'publishes' });
    }
    return { nodes, edges };
  }, [agentList, typeList, running, failed, artifactCounts]);

  const selAgent = selected?.startsWith('agent:') ? agentList.find((a) => `agent:${a.name}` === selected) : undefined;
  const selType = selected?.startsWith('type:') ? selected.slice(5) : undefined;
  const selTypeSchema = selType ? typeList.find((t) => t.name === selType) : undefined;

  return (
    <div className="page agents-page" data-testid="agents-view" data-source={agents.data?.source ?? ''}>
      <div className="main-col">
      {fromSpans && (
        <div className="note-box" data-testid="agents-source-note">
          <b>From the recorded spans.</b> This server shows a trace file alone, with no running program: the agents below are those whose{' '}
          <code>Agent.execute</code> spans are in the file, with the artifact types they consumed and published, how often they ran and when they last
          ran. Descriptions, concurrency limits, artifact schemas and the blackboard are not in the store.
        </div>
      )}
      <Card
        className="grow-card"
        title="Agents & artifact types"
        head={
          <span className="legend">
            <span className="lg agent" /> agent <span className="lg type" /> artifact type <span className="lg-line consumes" /> consumes <span className="lg-line publishes" /> publishes
          </span>
        }
        error={agents.error ?? types.error}
      >
        {agents.loading && !agents.data ? (
          <div className="empty">Loading…</div>
        ) : (
          <Graph
            nodes={nodes}
            edges={edges}
            testId="agents-graph"
            selected={selected}
            onSelect={(id) => setSelected((s) => (s === id ? undefined : id))}
            emptyText={fromSpans ? 'No Agent.execute span is in this trace file.' : 'No agents are registered on this server.'}
          />
        )}
      </Card>
      <Card title="Statistics" head={<span className="muted small">GET /api/agents/stats</span>} error={stats.error}>
        <p className="muted small note">{AGENT_ERRORS_NOTE}</p>
        {stats.data && <AgentStatsTable rows={stats.data.agents} />}
      </Card>
      </div>
      <div className="side-col">
        <Card title={selAgent ? `Agent ${selAgent.name}` : selType ? `Type ${selType}` : 'Details'}>
          {selAgent ? (
            <div className="details" data-testid="agent-details">
              {selAgent.description && <p>{selAgent.description}</p>}
              <table className="kv">
                <tbody>
                  <tr>
                    <th>consumes</th>
                    <td data-testid="agent-consumes">{selAgent.consumes.join(', ') || '–'}</td>
                  </tr>
                  <tr>
                    <th>publishes</th>
                    <td data-testid="agent-publishes">{selAgent.publishes.join(', ') || '–'}</td>
                  </tr>
                  {selAgent.runs !== undefined && (
                    <tr>
                      <th>runs</th>
                      <td>{selAgent.runs}</td>
                    </tr>
                  )}
                  {selAgent.last_seen !== undefined && (
                    <tr>
                      <th>last run</th>
                      <td>
                        {formatTime(selAgent.last_seen)} <span className="muted">({formatRelative(selAgent.last_seen)})</span>
                      </td>
                    </tr>
                  )}
                  <tr>
                    <th>description</th>
                    <td data-testid="agent-description">{selAgent.description ?? <span className="muted">{NOT_STORED}</span>}</td>
                  </tr>
                  <tr>
                    <th>max concurrency</th>
                    <td>{selAgent.max_concurrency ?? <span className="muted">{NOT_STORED}</span>}</td>
                  </tr>
                  <tr>
                    <th>prevent self trigger</th>
                    <td>{selAgent.prevent_self_trigger === undefined ? <span className="muted">{NOT_STORED}</span> : String(selAgent.prevent_self_trigger)}</td>
                  </tr>
                </tbody>
              </table>
              <a href={href('/traces', { agent: selAgent.name })}>Traces in which {selAgent.name} ran ›</a>
            </div>
          ) : selTypeSchema ? (
            <div className="details" data-testid="type-details">
              <JsonTree value={selTypeSchema.schema} path="schema" />
            </div>
          ) : selType ? (
            <p className="muted" data-testid="type-details">
              The schema of {selType} is {fromSpans ? 'not in the trace file: types are registered by the program that ran' : 'not registered on this server'}.
            </p>
          ) : (
            <p className="muted">Click an agent or a type.</p>
          )}
        </Card>
        {!fromSpans && <PublishForm types={typeList} preset={selType} />}
        <Card title="Live activity">
          <ul className="activity" data-testid="activity">
            {activity.length === 0 && (
              <li className="muted">{fromSpans ? 'No live agent events over a trace file: its spans show what ran.' : 'Waiting for agents to run…'}</li>
            )}
            {activity.map((a, i) => (
              <li key={`${a.at}-${i}`} className={a.kind}>
                <span className="muted small">{formatRelative(a.at * 1e6)}</span> {a.text}
                {a.error && <span className="error-text"> — {a.error}</span>}
                {a.traceId && (
                  <a className="mono small" href={href(`/trace/${a.traceId}`)}>
                    {' '}
                    {shortId(a.traceId)}
                  </a>
                )}
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </div>
  );
}

function PublishForm({ types, preset }: { types: ArtifactType[]; preset?: string }) {
  const [type, setType] = useState('');
  const [payload, setPayload] = useState<string | null>(null); // null: the type's skeleton
  const [correlation, setCorrelation] = useState('');
  const [tags, setTags] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const effectiveType = type || preset || types[0]?.name || '';
  const lastPreset = useRef<string | undefined>(undefined);
  if (preset && preset !== lastPreset.current) {
    lastPreset.current = preset;
    if (type !== preset) {
      setType(preset);
      setPayload(null);
    }
  }
  const shown = payload ?? JSON.stringify(skeleton(types.find((t) => t.name === effectiveType)?.schema), null, 2);
  if (types.length === 0) return null;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    let body: JsonValue;
    try {
      body = JSON.parse(shown) as JsonValue;
    } catch (err) {
      setStatus({ ok: false, text: `payload is not JSON: ${(err as Error).message}` });
      return;
    }
    setBusy(true);
    try {
      const r = await api.publish({
        type: effectiveType,
        payload: body,
        correlation_id: correlation.trim() || undefined,
        tags: tags.trim() ? tags.split(',').map((t) => t.trim()).filter(Boolean) : undefined,
      });
      setStatus({ ok: true, text: `published ${r.artifact.type} ${shortId(r.artifact.id)}` });
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Publish an artifact">
      <form className="publish-form" onSubmit={(e) => void submit(e)} data-testid="publish-form">
        <label>
          Type
          <select
            value={effectiveType}
            onChange={(e) => {
              setType(e.target.value);
              setPayload(null);
            }}
            data-testid="publish-type"
          >
            <Options values={types.map((t) => t.name)} />
          </select>
        </label>
        <label>
          Payload (JSON)
          <textarea
            rows={5}
            className="mono"
            value={shown}
            onChange={(e) => setPayload(e.target.value)}
            data-testid="publish-payload"
            spellCheck={false}
          />
        </label>
        <div className="row2">
          <label>
            Correlation id
            <input value={correlation} onChange={(e) => setCorrelation(e.target.value)} placeholder="optional" />
          </label>
          <label>
            Tags
            <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="a, b" />
          </label>
        </div>
        <button type="submit" className="primary" disabled={busy} data-testid="publish-submit">
          {busy ? 'Publishing…' : 'Publish'}
        </button>
        {status && (
          <div className={status.ok ? 'ok-text' : 'error-text'} data-testid="publish-status">
            {status.text}
          </div>
        )}
      </form>
    </Card>
  );
}

// Model calls and tool calls in a trace, read from their OpenTelemetry GenAI
// attributes: which spans are model calls, their facts (model, tokens,
// finish reasons), their recorded messages (gen_ai.input.messages and
// gen_ai.output.messages: [{role, parts: [{type: "text", content} |
// {type: "tool_call", id, name, arguments} | {type: "tool_call_response",
// id, response}]}]), and the links between a model call and the
// Tool.execute spans of the calls it asked for. Kept free of runtime
// imports: the unit tests load it alone.
import type { Span } from './api';

// A dotted attribute of the nested attribute object, honouring "_value" (a
// name that is both a value and a prefix). Same rule as format.getAttr.
export function attrOf(attrs: unknown, dotted: string): unknown {
  let cur: unknown = attrs;
  for (const part of dotted.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur && typeof cur === 'object' && !Array.isArray(cur) && '_value' in (cur as object)) return (cur as Record<string, unknown>)._value;
  return cur;
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

// A model call: any span naming a model or recording token usage (the
// server's rule for tokens and cost), whatever its name.
export function isModelCall(s: Span): boolean {
  const a = s.attributes;
  return ['gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens'].some((k) => attrOf(a, k) !== undefined && attrOf(a, k) !== null);
}

// A tool call: Flock's Tool.execute, or any span of operation execute_tool.
export function isToolCall(s: Span): boolean {
  return s.name === 'Tool.execute' || attrOf(s.attributes, 'gen_ai.operation.name') === 'execute_tool';
}

export interface ModelCallFacts {
  requestModel?: string;
  responseModel?: string;
  model: string; // the one it counts under: the answering model, else the requested one
  provider?: string;
  operation?: string;
  responseId?: string;
  finishReasons: string[];
  inputTokens?: number;
  outputTokens?: number;
  attempt?: number;
  toolRound?: number;
  toolCalls?: number;
}

export function modelCallFacts(s: Span): ModelCallFacts {
  const a = s.attributes;
  const requestModel = str(attrOf(a, 'gen_ai.request.model'));
  const responseModel = str(attrOf(a, 'gen_ai.response.model'));
  const fr = attrOf(a, 'gen_ai.response.finish_reasons');
  return {
    requestModel,
    responseModel,
    model: responseModel ?? requestModel ?? 'unknown',
    provider: str(attrOf(a, 'gen_ai.provider.name')) ?? str(attrOf(a, 'gen_ai.system')),
    operation: str(attrOf(a, 'gen_ai.operation.name')),
    responseId: str(attrOf(a, 'gen_ai.response.id')),
    finishReasons: Array.isArray(fr) ? fr.map((x) => String(x)) : fr === undefined || fr === null ? [] : [String(fr)],
    inputTokens: int(attrOf(a, 'gen_ai.usage.input_tokens')),
    outputTokens: int(attrOf(a, 'gen_ai.usage.output_tokens')),
    attempt: int(attrOf(a, 'flock.llm.attempt')),
    toolRound: int(attrOf(a, 'flock.llm.tool_round')),
    toolCalls: int(attrOf(a, 'flock.llm.tool_calls')),
  };
}

export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id: string; response: unknown }
  | { type: 'other'; value: unknown };
export interface ChatMessage {
  role: string;
  parts: MessagePart[];
  finishReason?: string;
}

function partOf(p: unknown): MessagePart {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return typeof p === 'string' ? { type: 'text', content: p } : { type: 'other', value: p };
  const o = p as Record<string, unknown>;
  if (o.type === 'text' && typeof o.content === 'string') return { type: 'text', content: o.content };
  if (o.type === 'tool_call') return { type: 'tool_call', id: str(o.id) ?? '', name: str(o.name) ?? '', arguments: o.arguments };
  if (o.type === 'tool_call_response') return { type: 'tool_call_response', id: str(o.id) ?? '', response: o.response };
  return { type: 'other', value: p };
}

// The messages of gen_ai.input.messages or gen_ai.output.messages (JSON
// text, or already an array), or an error saying why they cannot be read.
// Messages in the older {role, content} form are read as one text part.
export function parseMessages(value: unknown): { messages: ChatMessage[] } | { error: string } | undefined {
  if (value === undefined || value === null) return undefined;
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return { error: 'not JSON' };
    }
  }
  if (!Array.isArray(v)) return { error: 'not a list of messages' };
  const messages: ChatMessage[] = [];
  for (const m of v) {
    if (!m || typeof m !== 'object' || Array.isArray(m)) return { error: 'not a list of messages' };
    const o = m as Record<string, unknown>;
    const parts = Array.isArray(o.parts) ? o.parts.map(partOf) : o.content !== undefined && o.content !== null ? [partOf(typeof o.content === 'string' ? o.content : { type: 'other', value: o.content })] : [];
    const msg: ChatMessage = { role: str(o.role) ?? 'user', parts };
    if (typeof o.finish_reason === 'string') msg.finishReason = o.finish_reason;
    messages.push(msg);
  }
  return { messages };
}

export function recordedMessages(s: Span, which: 'input' | 'output') {
  return parseMessages(attrOf(s.attributes, `gen_ai.${which}.messages`));
}

// The tool calls an answer asked for, in order.
export function toolCallsAsked(s: Span): Array<{ id: string; name: string; arguments: unknown }> {
  const out = recordedMessages(s, 'output');
  if (!out || 'error' in out) return [];
  const calls: Array<{ id: string; name: string; arguments: unknown }> = [];
  for (const m of out.messages) for (const p of m.parts) if (p.type === 'tool_call') calls.push({ id: p.id, name: p.name, arguments: p.arguments });
  return calls;
}

export const toolCallId = (s: Span): string | undefined => str(attrOf(s.attributes, 'gen_ai.tool.call.id'));

// The tool-call spans that ran what `call` asked for. By call id when the
// answer was recorded (the nearest tool span with that id starting after
// the call); else, for Flock's engine, the tool spans next to the call
// (same parent) that started after it and before the next model call there.
export function toolSpansOf(call: Span, spans: readonly Span[]): Span[] {
  const tools = spans.filter((s) => isToolCall(s) && s.start_time >= call.start_time).sort((a, b) => a.start_time - b.start_time);
  const asked = toolCallsAsked(call);
  if (asked.length) {
    const out: Span[] = [];
    for (const c of asked) {
      const hit = tools.find((t) => toolCallId(t) === c.id && !out.includes(t));
      if (hit) out.push(hit);
    }
    return out;
  }
  if (!(modelCallFacts(call).toolCalls! > 0)) return [];
  const next = spans
    .filter((s) => s !== call && isModelCall(s) && s.parent_id === call.parent_id && s.start_time > call.start_time)
    .reduce((m, s) => Math.min(m, s.start_time), Infinity);
  return tools.filter((t) => t.parent_id === call.parent_id && t.start_time < next);
}

// The model call that asked for the tool call `tool`: the latest model call
// before it whose recorded answer names its call id; else the latest model
// call next to it (same parent) that asked for tools before it started.
export function modelCallOf(tool: Span, spans: readonly Span[]): Span | undefined {
  const before = spans.filter((s) => isModelCall(s) && s.start_time <= tool.start_time).sort((a, b) => b.start_time - a.start_time);
  const id = toolCallId(tool);
  if (id) {
    const byId = before.find((c) => toolCallsAsked(c).some((x) => x.id === id));
    if (byId) return byId;
  }
  return before.find((c) => c.parent_id === tool.parent_id && modelCallFacts(c).toolCalls! > 0 && toolSpansOf(c, spans).includes(tool));
}

// What the model was told a tool call returned: the tool_call_response with
// this id in the conversation of the first model call after `call` (the
// engine sends a failed call's error there too), or undefined when not
// recorded.
export function responseSentBack(call: Span, id: string, spans: readonly Span[]): unknown {
  const later = spans.filter((s) => isModelCall(s) && s.start_time > call.start_time).sort((a, b) => a.start_time - b.start_time);
  for (const s of later) {
    const r = recordedMessages(s, 'input');
    if (!r || 'error' in r) continue;
    for (const m of r.messages) for (const p of m.parts) if (p.type === 'tool_call_response' && p.id === id) return p.response;
  }
  return undefined;
}

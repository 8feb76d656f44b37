// A layered (Sugiyama-style) layout for the agent and dependency graphs,
// drawn left to right, that keeps edges off the nodes and labels apart:
//
// 1. cycles are broken by DFS: an edge closing a cycle is laid out reversed
//    (and drawn with its arrow at the start);
// 2. layers by longest path; an edge spanning several layers gets a dummy
//    slot in each layer it crosses, so it passes between the nodes there;
// 3. the order within layers by barycentre sweeps, keeping the order with
//    the fewest crossings;
// 4. nodes are stacked in columns; an edge runs horizontally inside a column
//    (at its node's or its slot's height, where nothing else is) and curves
//    only in the gaps between columns, where there are no nodes;
// 5. each label goes where its edge crosses a gap, at the first spot that
//    overlaps no other label.

export interface LayoutNode {
  id: string;
  label: string;
}
export interface LayoutEdge {
  from: string;
  to: string;
  label?: string;
}
export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  layer: number;
}
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface PlacedEdge {
  d: string; // the SVG path, from the edge's source to its target...
  reversed: boolean; // ...unless reversed: then from target to source (arrow at the start)
  label?: Box; // where the label goes (text centred in it)
}
export interface Layout {
  nodes: Map<string, PlacedNode>;
  edges: Array<PlacedEdge | null>; // by the index of the input edge; null when an end is unknown
  width: number;
  height: number;
}

export interface LayoutOptions {
  nodeHeight?: number;
  gapX?: number; // least gap between columns (widened to fit labels)
  gapY?: number;
  charWidth?: number;
  minWidth?: number;
  maxWidth?: number;
  padding?: number;
}

const SLOT_H = 14; // the height a passing edge takes in a layer
const LABEL_H = 16;
const LABEL_CHAR = 6.8; // a generous width per character of an 11 px label
const LOOP_W = 34; // room for a self edge's loop right of its node

// The box a label of this text needs.
export const labelSize = (text: string) => ({ width: Math.ceil(text.length * LABEL_CHAR + 10), height: LABEL_H });

const overlaps = (a: Box, b: Box, margin = 0) =>
  a.x < b.x + b.width + margin && b.x < a.x + a.width + margin && a.y < b.y + b.height + margin && b.y < a.y + a.height + margin;

// A point of the cubic Bézier p0..p3 at t.
function bezier(p0: number, p1: number, p2: number, p3: number, t: number): number {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}

export function layeredLayout(nodes: LayoutNode[], edges: LayoutEdge[], opts: LayoutOptions = {}): Layout {
  const { nodeHeight = 34, gapY = 18, charWidth = 7.2, minWidth = 90, maxWidth = 260, padding = 16 } = opts;
  const n = nodes.length;
  const index = new Map(nodes.map((v, i) => [v.id, i]));
  const widthOf = (i: number) => Math.min(maxWidth, Math.max(minWidth, nodes[i].label.length * charWidth + 28));

  // ---- 1. cycles: DFS from nodes without incoming edges first ----
  const out: number[][] = nodes.map(() => []);
  const indeg = new Array(n).fill(0);
  edges.forEach((e, i) => {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) return;
    out[a].push(i);
    indeg[b]++;
  });
  const back = new Set<number>();
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const starts = [...Array(n).keys()].sort((a, b) => (indeg[a] === 0 ? 0 : 1) - (indeg[b] === 0 ? 0 : 1));
  for (const s of starts) {
    if (state[s]) continue;
    const stack: Array<[number, number]> = [[s, 0]];
    state[s] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k < out[v].length) {
        top[1]++;
        const ei = out[v][k];
        const w = index.get(edges[ei].to)!;
        if (state[w] === 1) back.add(ei);
        else if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  // The edges as laid out: [from, to] with back edges turned around.
  const dag: Array<[number, number] | null> = edges.map((e, i) => {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) return null;
    return back.has(i) ? [b, a] : [a, b];
  });

  // ---- 2. layers by longest path (Kahn's order) ----
  const layer = new Array(n).fill(0);
  const fIn = new Array(n).fill(0);
  const fOut: number[][] = nodes.map(() => []);
  for (const d of dag) {
    if (!d) continue;
    fIn[d[1]]++;
    fOut[d[0]].push(d[1]);
  }
  const queue: number[] = [];
  fIn.forEach((d, i) => d === 0 && queue.push(i));
  for (let qi = 0; qi < queue.length; qi++) {
    const v = queue[qi];
    for (const w of fOut[v]) {
      layer[w] = Math.max(layer[w], layer[v] + 1);
      if (--fIn[w] === 0) queue.push(w);
    }
  }
  const layerCount = n ? Math.max(...layer) + 1 : 0;

  // Slots: the nodes, then one dummy per layer an edge passes through.
  interface Slot {
    node: number; // index into nodes, -1 for a dummy
    layer: number;
    height: number;
    y: number;
    pos: number;
  }
  const slots: Slot[] = nodes.map((_, i) => ({ node: i, layer: layer[i], height: nodeHeight, y: 0, pos: 0 }));
  // Each laid-out edge as its chain of slots, one per layer from source to target.
  const chains: Array<number[] | null> = dag.map((d) => {
    if (!d) return null;
    const chain = [d[0]];
    for (let l = layer[d[0]] + 1; l < layer[d[1]]; l++) {
      slots.push({ node: -1, layer: l, height: SLOT_H, y: 0, pos: 0 });
      chain.push(slots.length - 1);
    }
    chain.push(d[1]);
    return chain;
  });
  const up: number[][] = slots.map(() => []);
  const down: number[][] = slots.map(() => []);
  for (const c of chains) {
    if (!c) continue;
    for (let i = 0; i + 1 < c.length; i++) {
      down[c[i]].push(c[i + 1]);
      up[c[i + 1]].push(c[i]);
    }
  }

  // ---- 3. order within layers ----
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  slots.forEach((s, i) => layers[s.layer].push(i));
  const setPos = () => layers.forEach((l) => l.forEach((v, i) => (slots[v].pos = i)));
  setPos();
  const crossings = () => {
    let c = 0;
    for (let l = 0; l + 1 < layerCount; l++) {
      const segs: Array<[number, number]> = [];
      for (const v of layers[l]) for (const w of down[v]) segs.push([slots[v].pos, slots[w].pos]);
      for (let i = 0; i < segs.length; i++)
        for (let j = i + 1; j < segs.length; j++) if ((segs[i][0] - segs[j][0]) * (segs[i][1] - segs[j][1]) < 0) c++;
    }
    return c;
  };
  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings();
  for (let sweep = 0; sweep < 8 && bestCrossings > 0; sweep++) {
    const downward = sweep % 2 === 0;
    const order = downward ? [...layers.keys()] : [...layers.keys()].reverse();
    for (const li of order) {
      const l = layers[li];
      const bary = new Map<number, number>();
      for (const v of l) {
        const ns = downward ? up[v] : down[v];
        bary.set(v, ns.length ? ns.reduce((s, w) => s + slots[w].pos, 0) / ns.length : slots[v].pos);
      }
      l.sort((a, b) => bary.get(a)! - bary.get(b)! || slots[a].pos - slots[b].pos);
      l.forEach((v, i) => (slots[v].pos = i));
    }
    const c = crossings();
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    }
  }
  best.forEach((l, li) => (layers[li] = l));
  setPos();

  // ---- 4. coordinates ----
  const longestLabel = Math.max(0, ...edges.map((e) => (e.label ? labelSize(e.label).width : 0)));
  const gapX = Math.max(opts.gapX ?? 90, longestLabel + 36);
  const colW = layers.map((l) => Math.max(minWidth, ...l.filter((v) => slots[v].node >= 0).map((v) => widthOf(slots[v].node))));
  const colX: number[] = [];
  let x = padding;
  layers.forEach((_, li) => {
    colX.push(x);
    x += colW[li] + gapX;
  });
  const stackH = (l: number[]) => l.reduce((h, v) => h + slots[v].height, 0) + Math.max(0, l.length - 1) * gapY;
  const tallest = Math.max(0, ...layers.map(stackH));
  layers.forEach((l) => {
    let y = padding + (tallest - stackH(l)) / 2;
    for (const v of l) {
      slots[v].y = y;
      y += slots[v].height + gapY;
    }
  });
  const placed = new Map<string, PlacedNode>();
  slots.forEach((s) => {
    if (s.node < 0) return;
    const w = widthOf(s.node);
    placed.set(nodes[s.node].id, { id: nodes[s.node].id, x: colX[s.layer] + (colW[s.layer] - w) / 2, y: s.y, width: w, height: nodeHeight, layer: s.layer });
  });
  const colLeft = (l: number) => colX[l];
  const colRight = (l: number) => colX[l] + colW[l];

  // Ports: a node's edges leave (and arrive) spread over its right (left)
  // side, ordered by the height of the other end, so they do not bunch.
  const portY = new Map<string, number>(); // `${slot}:${other}:${out|in}` -> y
  slots.forEach((s, v) => {
    for (const [dir, others] of [
      ['out', down[v]],
      ['in', up[v]],
    ] as const) {
      const sorted = [...new Set(others)].sort((a, b) => slots[a].y + slots[a].height / 2 - (slots[b].y + slots[b].height / 2));
      sorted.forEach((w, i) => {
        const y = s.node < 0 ? s.y + s.height / 2 : s.y + (s.height * (i + 1)) / (sorted.length + 1);
        portY.set(`${v}:${w}:${dir}`, y);
      });
    }
  });

  // Edge paths and the spots in gaps where their labels may go.
  interface Curve {
    x0: number;
    y0: number;
    x1: number;
    y1: number;
  }
  const edgeOut: Array<PlacedEdge | null> = edges.map(() => null);
  const gapsOf: Curve[][] = edges.map(() => []);
  let extraRight = 0;
  edges.forEach((e, i) => {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined) return;
    if (a === b) {
      // A loop right of the node, inside the gap after its column.
      const p = placed.get(e.from)!;
      const x0 = p.x + p.width;
      const top = p.y + 7;
      const bottom = p.y + p.height - 7;
      edgeOut[i] = { d: `M ${x0} ${top} C ${x0 + LOOP_W} ${top - 4}, ${x0 + LOOP_W} ${bottom + 4}, ${x0} ${bottom}`, reversed: false };
      gapsOf[i].push({ x0: x0 + LOOP_W * 0.8, y0: p.y + p.height / 2, x1: colRight(p.layer) + gapX, y1: p.y + p.height / 2 });
      if (p.layer === layerCount - 1) extraRight = Math.max(extraRight, LOOP_W + (e.label ? labelSize(e.label).width + 6 : 0));
      return;
    }
    const chain = chains[i]!;
    const parts: string[] = [];
    for (let k = 0; k + 1 < chain.length; k++) {
      const v = chain[k];
      const w = chain[k + 1];
      const sv = slots[v];
      const sw = slots[w];
      const y0 = portY.get(`${v}:${w}:out`)!;
      const y1 = portY.get(`${w}:${v}:in`)!;
      const startX = sv.node >= 0 ? placed.get(nodes[sv.node].id)!.x + placed.get(nodes[sv.node].id)!.width : colLeft(sv.layer);
      if (k === 0) parts.push(`M ${startX} ${y0}`);
      // Across the rest of the column at the port's height, then the curve over the gap.
      parts.push(`L ${colRight(sv.layer)} ${y0}`);
      const gx0 = colRight(sv.layer);
      const gx1 = colLeft(sw.layer);
      const mid = (gx0 + gx1) / 2;
      parts.push(`C ${mid} ${y0}, ${mid} ${y1}, ${gx1} ${y1}`);
      gapsOf[i].push({ x0: gx0, y0, x1: gx1, y1 });
      const endX = sw.node >= 0 ? placed.get(nodes[sw.node].id)!.x : colRight(sw.layer);
      if (sw.node >= 0) parts.push(`L ${endX} ${y1}`);
    }
    edgeOut[i] = { d: parts.join(' '), reversed: back.has(i) };
  });

  const width = (layerCount ? colRight(layerCount - 1) : 0) + padding + extraRight;
  let height = tallest + padding * 2;

  // ---- 5. labels ----
  const taken: Box[] = [];
  const nodeBoxes: Box[] = [...placed.values()];
  const free = (b: Box) => !taken.some((t) => overlaps(t, b, 2)) && !nodeBoxes.some((nb) => overlaps(nb, b, 2));
  edges.forEach((e, i) => {
    if (!e.label || !edgeOut[i]) return;
    const { width: w, height: h } = labelSize(e.label);
    const tries: Box[] = [];
    for (const g of gapsOf[i]) {
      const lo = g.x0 + 3;
      const hi = g.x1 - 3 - w;
      for (const t of [0.5, 0.3, 0.7, 0.15, 0.85]) {
        const cx = bezier(g.x0, (g.x0 + g.x1) / 2, (g.x0 + g.x1) / 2, g.x1, t);
        const cy = bezier(g.y0, g.y0, g.y1, g.y1, t);
        const bx = Math.min(Math.max(cx - w / 2, lo), Math.max(lo, hi));
        tries.push({ x: bx, y: cy - h / 2, width: w, height: h });
      }
    }
    // Then the same spots moved up and down, further each time.
    const base = tries.slice();
    for (let k = 1; k <= 12; k++) for (const b of base) for (const s of [-1, 1]) tries.push({ ...b, y: b.y + s * k * (h + 3) });
    const spot = tries.find((b) => b.y >= 2 && free(b)) ?? tries[0];
    if (spot) {
      taken.push(spot);
      edgeOut[i]!.label = spot;
      height = Math.max(height, spot.y + spot.height + padding);
    }
  });

  return { nodes: placed, edges: edgeOut, width, height };
}

// A small layered (Sugiyama-style) layout for the agent and dependency
// graphs: cycles broken by DFS, layers by longest path, order within a layer
// by barycentre sweeps, left-to-right coordinates.

export interface LayoutNode {
  id: string;
  label: string;
}
export interface LayoutEdge {
  from: string;
  to: string;
}
export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  layer: number;
}
export interface Layout {
  nodes: Map<string, PlacedNode>;
  width: number;
  height: number;
  backEdges: Set<number>; // indexes of edges that point backwards (cycles)
}

export interface LayoutOptions {
  nodeHeight?: number;
  gapX?: number;
  gapY?: number;
  charWidth?: number;
  minWidth?: number;
  maxWidth?: number;
  padding?: number;
}

export function layeredLayout(nodes: LayoutNode[], edges: LayoutEdge[], opts: LayoutOptions = {}): Layout {
  const { nodeHeight = 34, gapX = 90, gapY = 18, charWidth = 7.2, minWidth = 90, maxWidth = 260, padding = 16 } = opts;
  const ids = nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const out: number[][] = ids.map(() => []);
  edges.forEach((e, i) => {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a !== undefined && b !== undefined) out[a].push(i);
  });

  // 1. Cycle removal: edges closing a cycle in DFS order are "back edges".
  const backEdges = new Set<number>();
  const state = new Uint8Array(ids.length); // 0 new, 1 on stack, 2 done
  // Start from nodes without incoming edges first, so the natural flow wins.
  const indeg = new Array(ids.length).fill(0);
  edges.forEach((e) => {
    const b = index.get(e.to);
    if (b !== undefined && index.has(e.from)) indeg[b]++;
  });
  const starts = [...ids.keys()].sort((a, b) => (indeg[a] === 0 ? 0 : 1) - (indeg[b] === 0 ? 0 : 1));
  for (const s of starts) {
    if (state[s]) continue;
    // iterative DFS
    const stack: Array<[number, number]> = [[s, 0]];
    state[s] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k < out[v].length) {
        top[1]++;
        const ei = out[v][k];
        const w = index.get(edges[ei].to)!;
        if (state[w] === 1) backEdges.add(ei);
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

  // 2. Layers: longest path over the forward edges (Kahn's order).
  const layer = new Array(ids.length).fill(0);
  const fIn = new Array(ids.length).fill(0);
  edges.forEach((e, i) => {
    if (backEdges.has(i)) return;
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a !== undefined && b !== undefined && a !== b) fIn[b]++;
  });
  const queue: number[] = [];
  fIn.forEach((d, i) => d === 0 && queue.push(i));
  while (queue.length) {
    const v = queue.shift()!;
    for (const ei of out[v]) {
      if (backEdges.has(ei)) continue;
      const w = index.get(edges[ei].to)!;
      if (w === v) continue;
      layer[w] = Math.max(layer[w], layer[v] + 1);
      if (--fIn[w] === 0) queue.push(w);
    }
  }
  const layerCount = ids.length ? Math.max(...layer) + 1 : 0;
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  ids.forEach((_, i) => layers[layer[i]].push(i));

  // 3. Order within layers: barycentre sweeps down and up.
  const neighbours = (v: number, up: boolean): number[] => {
    const res: number[] = [];
    edges.forEach((e) => {
      const a = index.get(e.from);
      const b = index.get(e.to);
      if (a === undefined || b === undefined) return;
      if (up && b === v && layer[a] < layer[v]) res.push(a);
      if (!up && a === v && layer[b] > layer[v]) res.push(b);
      if (up && a === v && layer[b] < layer[v]) res.push(b);
      if (!up && b === v && layer[a] > layer[v]) res.push(a);
    });
    return res;
  };
  const pos = new Array(ids.length).fill(0);
  const setPos = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  setPos();
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.keys() : [...layers.keys()].reverse().values();
    for (const li of order) {
      const l = layers[li];
      const bary = new Map<number, number>();
      for (const v of l) {
        const ns = neighbours(v, down);
        bary.set(v, ns.length ? ns.reduce((s, n) => s + pos[n], 0) / ns.length : pos[v]);
      }
      l.sort((a, b) => bary.get(a)! - bary.get(b)! || a - b);
      l.forEach((v, i) => (pos[v] = i));
    }
  }

  // 4. Coordinates.
  const widthOf = (i: number) => Math.min(maxWidth, Math.max(minWidth, nodes[i].label.length * charWidth + 28));
  const layerWidth = layers.map((l) => Math.max(minWidth, ...l.map(widthOf)));
  const tallest = Math.max(0, ...layers.map((l) => l.length));
  const totalHeight = tallest * nodeHeight + Math.max(0, tallest - 1) * gapY;
  const placed = new Map<string, PlacedNode>();
  let x = padding;
  layers.forEach((l, li) => {
    const h = l.length * nodeHeight + Math.max(0, l.length - 1) * gapY;
    let y = padding + (totalHeight - h) / 2;
    for (const v of l) {
      const w = widthOf(v);
      placed.set(ids[v], { id: ids[v], x: x + (layerWidth[li] - w) / 2, y, width: w, height: nodeHeight, layer: li });
      y += nodeHeight + gapY;
    }
    x += layerWidth[li] + gapX;
  });
  const width = layers.length ? x - gapX + padding : padding * 2;
  // Backward edges arc below the nodes (see edgePath): leave room for them.
  let below = 0;
  edges.forEach((e, i) => {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (!a || !b) return;
    if (backEdges.has(i) || b.x <= a.x) below = Math.max(below, 0.75 * (28 + Math.abs(a.x + a.width / 2 - b.x - b.width / 2) * 0.12) + 8);
  });
  return { nodes: placed, width, height: totalHeight + padding * 2 + below, backEdges };
}

// An SVG path from a to b: a smooth curve for forward edges, an arc below the
// nodes for edges that go backwards, a loop for a self edge.
export function edgePath(a: PlacedNode, b: PlacedNode, back: boolean): string {
  if (a.id === b.id) {
    const x = a.x + a.width - 14;
    const y = a.y;
    return `M ${x} ${y} C ${x + 10} ${y - 30}, ${x + 34} ${y - 10}, ${a.x + a.width} ${y + a.height / 2 - 4}`;
  }
  if (!back && b.x > a.x) {
    const x1 = a.x + a.width;
    const y1 = a.y + a.height / 2;
    const x2 = b.x;
    const y2 = b.y + b.height / 2;
    const dx = Math.max(30, (x2 - x1) / 2);
    return `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`;
  }
  const x1 = a.x + a.width / 2;
  const y1 = a.y + a.height;
  const x2 = b.x + b.width / 2;
  const y2 = b.y + b.height;
  const depth = 28 + Math.abs(x1 - x2) * 0.12;
  return `M ${x1} ${y1} C ${x1} ${y1 + depth}, ${x2} ${y2 + depth}, ${x2} ${y2}`;
}

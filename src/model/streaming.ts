// The manifest's `streaming:` declaration (docs/model-manifest.md, Streaming): which stages may run on
// chunks of their input, cut along one symbolic dim. Pure checks of that declaration against the graph;
// how much context each chunk carries is not declared but computed from the ONNX graphs
// (src/model/receptive.ts), and the chunked run lives in src/pipeline/stream.ts.
import type { GraphIssue, StageSpec } from './graph.ts';

export interface StreamingSpec {
  /** The symbolic dim the chunks cut (frames, mel_len …): every chunked input that has it is cut along it. */
  dim: string;
  /** Graph stage ids, in run order: the chain of module stages that ends at the output. */
  stages: string[];
}

interface ModuleDims {
  inputs: Record<string, { dims: (number | string)[] }>;
  outputs: Record<string, { dims: (number | string)[] }>;
}

/** Every problem with a `streaming:` section (key paths into the manifest), none thrown. */
export function checkStreaming(s: StreamingSpec, graph: StageSpec[], order: number[], modules: Record<string, ModuleDims>, output: string): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const at = (i: number | null, ...rest: (string | number)[]) => (i === null ? ['streaming', ...rest] : ['streaming', 'stages', i, ...rest]);
  const stages: StageSpec[] = [];
  for (const [i, id] of s.stages.entries()) {
    const st = graph.find((g) => g.id === id);
    if (!st) {
      issues.push({ path: at(i), message: `streaming stage "${id}" is not a stage of the graph`, hint: `use stage ids from graph: (${graph.filter((g) => g.module).map((g) => g.id).join(', ')})` });
      continue;
    }
    if (!st.module) {
      issues.push({ path: at(i), message: `streaming stage "${id}" is a host step; only module stages are chunked`, hint: 'list the module stages after it (a flow, a vocoder)' });
      continue;
    }
    const mod = modules[st.module];
    if (mod && !st.in.some(([port]) => mod.inputs[port]?.dims.includes(s.dim))) {
      issues.push({ path: at(i), message: `streaming stage "${id}" has no input with the dim ${s.dim}`, hint: `name the dim its inputs are cut along (streaming.dim), as in modules.${st.module}.inputs` });
    }
    stages.push(st);
  }
  if (issues.length || !stages.length) return issues;
  const pos = (st: StageSpec) => order.indexOf(st.index);
  for (let i = 1; i < stages.length; i++) {
    if (pos(stages[i]!) < pos(stages[i - 1]!)) issues.push({ path: at(i), message: `streaming stages are not in run order ("${stages[i]!.id}" runs before "${stages[i - 1]!.id}")`, hint: 'list them in the order the graph runs them' });
  }
  const last = stages.at(-1)!;
  if (!last.out.some(([, t]) => t === output)) {
    issues.push({ path: at(stages.length - 1), message: `the last streaming stage "${last.id}" does not produce the output ${output}`, hint: 'end the chain with the stage that makes the audio (the vocoder)' });
  }
  // what a chained stage makes may be read only by later chained stages (others would need it whole)
  const chained = new Set(stages.map((x) => x.index));
  for (const st of stages) {
    for (const [, t] of st.out) {
      const reader = graph.find((g) => !chained.has(g.index) && g.in.some(([, x]) => x === t));
      if (reader) issues.push({ path: at(s.stages.indexOf(st.id)), message: `stage "${reader.id}" reads ${t} whole, which streaming stage "${st.id}" makes in chunks`, hint: `chunk "${reader.id}" too, or stream only the stages after it` });
    }
  }
  // before the last, a chained stage keeps the frame rate: its outputs carry the dim
  for (const [i, st] of stages.slice(0, -1).entries()) {
    const mod = modules[st.module!];
    if (mod && !st.out.every(([port]) => mod.outputs[port]?.dims.includes(s.dim))) {
      issues.push({ path: at(i), message: `streaming stage "${st.id}" is not the last, but not all its outputs have the dim ${s.dim}`, hint: 'only the last chunked stage may change the rate (the vocoder: frames → samples)' });
    }
  }
  return issues;
}

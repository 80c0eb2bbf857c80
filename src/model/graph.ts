// The manifest's graph as data: which stage produces which tensor, in what order the stages run, and
// the checks that make a declared graph runnable (every tensor produced once, no cycle, dtypes agree
// between producer and consumer, the output is produced). Pure: the host steps' ports come in as a
// lookup, so this file knows no family and no step.
import type { PortSpec } from '../pipeline/types.ts';

export interface StageSpec {
  /** Position in the manifest's `graph:` list (for errors: graph[index]). */
  index: number;
  id: string;
  /** How timings show it. */
  label: string;
  module?: string;
  step?: string;
  /** [port, board tensor] in declaration order (a variadic step's ports are "0", "1", …). */
  in: [string, string][];
  out: [string, string][];
  params: Record<string, unknown>;
}

/** Where a board tensor comes from before any stage runs. */
export interface Source {
  tensor: string;
  dtype: string;
  /** 'text' (the sentence), 'frontend' (its ids), or 'conditioning:<name>'. */
  from: string;
}

export interface StepPorts {
  inputs: PortSpec[];
  outputs: PortSpec[];
  variadic?: boolean;
}

export interface GraphIssue {
  /** Key path in the manifest, e.g. ['graph', 3, 'in', 'hidden']. */
  path: (string | number)[];
  message: string;
  hint: string;
}

export interface ModuleIo {
  inputs: Record<string, { dtype: string }>;
  outputs: Record<string, { dtype: string }>;
}

export interface GraphInfo {
  /** Stage indices in run order (dependency order; declaration order among independent stages). */
  order: number[];
  /** Board tensor → its producer: a stage index or a source. */
  producer: Map<string, { stage: number; port: string } | { source: Source }>;
  /** Board tensor → dtype ('text' for strings, 'any' when unknown). */
  dtype: Map<string, string>;
}

/** Check a graph and compute its run order. Every problem is returned (nothing thrown). */
export function analyzeGraph(
  stages: StageSpec[],
  sources: Source[],
  modules: Record<string, ModuleIo>,
  output: string,
  stepPorts: (name: string) => StepPorts | undefined,
  knownSteps: string[],
): { info: GraphInfo; issues: GraphIssue[] } {
  const issues: GraphIssue[] = [];
  const issue = (path: (string | number)[], message: string, hint: string) => issues.push({ path, message, hint });
  const producer: GraphInfo['producer'] = new Map();
  const dtype = new Map<string, string>();
  for (const s of sources) {
    producer.set(s.tensor, { source: s });
    dtype.set(s.tensor, s.dtype);
  }
  const ids = new Set<string>();
  const inputDtype = (st: StageSpec, port: string): string => {
    if (st.module) return modules[st.module]?.inputs[port]?.dtype ?? 'any';
    const p = stepPorts(st.step!);
    if (!p) return 'any';
    return (p.variadic ? p.inputs[0] : p.inputs.find((x) => x.name === port))?.dtype ?? 'any';
  };
  // 1. each stage on its own: what it is, its ports
  for (const st of stages) {
    const at = ['graph', st.index];
    if (ids.has(st.id)) issue([...at, 'id'], `stage id "${st.id}" is used twice`, 'give every stage its own id');
    ids.add(st.id);
    if (!!st.module === !!st.step) {
      issue(at, `stage "${st.id}" needs exactly one of module: or step:`, `module: <one of ${Object.keys(modules).join(', ')}>, or step: <one of ${knownSteps.join(', ')}>`);
      continue;
    }
    if (st.module) {
      const mod = modules[st.module];
      if (!mod) {
        issue([...at, 'module'], `stage "${st.id}" runs module "${st.module}", which the manifest does not declare`, `use one of: ${Object.keys(modules).join(', ')}, or declare it under modules:`);
        continue;
      }
      for (const [port] of st.in) {
        if (!mod.inputs[port]) issue([...at, 'in', port], `module ${st.module} has no input "${port}"`, `its inputs: ${Object.keys(mod.inputs).join(', ')}`);
      }
      const fed = new Set(st.in.map(([p]) => p));
      for (const name of Object.keys(mod.inputs)) {
        if (!fed.has(name)) issue([...at, 'in'], `module ${st.module}'s input "${name}" is not fed by stage "${st.id}"`, `add ${name}: <tensor> under in:`);
      }
      for (const [port] of st.out) {
        if (!mod.outputs[port]) issue([...at, 'out', port], `module ${st.module} has no output "${port}"`, `its outputs: ${Object.keys(mod.outputs).join(', ')}`);
      }
    } else {
      const p = stepPorts(st.step!);
      if (!p) {
        issue([...at, 'step'], `unknown host step "${st.step}"`, `use one of: ${knownSteps.join(', ')} (a family registers its own under src/families/<family>/)`);
        continue;
      }
      if (p.variadic) {
        if (st.in.length === 0) issue([...at, 'in'], `step ${st.step} needs a list of inputs`, 'in: [first_choice, second_choice, …]');
      } else {
        for (const [port] of st.in) {
          if (!p.inputs.some((x) => x.name === port)) issue([...at, 'in', port], `step ${st.step} has no input "${port}"`, `its inputs: ${p.inputs.map((x) => x.name).join(', ')}`);
        }
        for (const x of p.inputs) {
          if (!x.optional && !st.in.some(([port]) => port === x.name)) issue([...at, 'in'], `step ${st.step} needs input "${x.name}"`, `add ${x.name}: <tensor> under in:`);
        }
      }
      for (const [port] of st.out) {
        if (!p.outputs.some((x) => x.name === port)) issue([...at, 'out', port], `step ${st.step} has no output "${port}"`, `its outputs: ${p.outputs.map((x) => x.name).join(', ')}`);
      }
    }
  }
  // 2. who produces what (once)
  for (const st of stages) {
    for (const [port, tensor] of st.out) {
      const prev = producer.get(tensor);
      if (prev) {
        const by = 'source' in prev ? `the ${prev.source.from}` : `stage "${stages.find((s) => s.index === prev.stage)?.id}"`;
        issue(['graph', st.index, 'out', port], `tensor "${tensor}" is produced twice: by ${by} and by stage "${st.id}"`, 'rename one of them (out: { port: new_name })');
        continue;
      }
      producer.set(tensor, { stage: st.index, port });
    }
  }
  // 3. everything consumed is produced
  for (const st of stages) {
    for (const [port, tensor] of st.in) {
      if (!producer.has(tensor)) {
        issue(['graph', st.index, 'in', port], `tensor "${tensor}" is consumed by stage "${st.id}" but no stage, frontend or conditioning produces it`, 'produce it in an earlier stage, or fix the name');
      }
    }
  }
  if (!producer.has(output)) issue(['output'], `the output "${output}" is not produced by any stage`, 'name the tensor of the audio, e.g. output: waveform');
  // 4. order (Kahn; declaration order among the ready) and cycles
  const byIndex = new Map(stages.map((s) => [s.index, s]));
  const deps = new Map<number, Set<number>>();
  for (const st of stages) {
    const d = new Set<number>();
    for (const [, tensor] of st.in) {
      const p = producer.get(tensor);
      if (p && 'stage' in p) d.add(p.stage);
    }
    deps.set(st.index, d);
  }
  const order: number[] = [];
  const done = new Set<number>();
  let progress = true;
  while (progress && order.length < stages.length) {
    progress = false;
    for (const st of stages) {
      if (done.has(st.index) || [...deps.get(st.index)!].some((d) => !done.has(d))) continue;
      order.push(st.index);
      done.add(st.index);
      progress = true;
      break;
    }
  }
  if (order.length < stages.length) {
    const stuck = stages.filter((s) => !done.has(s.index));
    const cycle = findCycle(stuck.map((s) => s.index), deps);
    const names = cycle.map((i) => byIndex.get(i)!.id);
    issue(['graph', cycle[0]!], `the graph has a cycle: ${[...names, names[0]].join(' → ')}`, 'a stage may only consume tensors that earlier stages produce');
  }
  // 5. dtypes along every edge, in run order so 'same' outputs resolve
  for (const i of order) {
    const st = byIndex.get(i)!;
    for (const [port, tensor] of st.in) {
      const have = dtype.get(tensor);
      const want = inputDtype(st, port);
      if (have && have !== 'any' && want !== 'any' && want !== 'same' && have !== want) {
        issue(['graph', st.index, 'in', port], `dtype mismatch: "${tensor}" is ${have} but stage "${st.id}" takes ${want} at ${port}`, `make the producer give ${want}, or convert it (the manifest's dtypes must match the ONNX files)`);
      }
    }
    for (const [port, tensor] of st.out) {
      let dt = 'any';
      if (st.module) dt = modules[st.module]?.outputs[port]?.dtype ?? 'any';
      else {
        const p = stepPorts(st.step!)?.outputs.find((x) => x.name === port);
        dt = p?.dtype === 'same' ? (dtype.get(st.in[0]?.[1] ?? '') ?? 'any') : (p?.dtype ?? 'any');
      }
      if (!dtype.has(tensor)) dtype.set(tensor, dt);
    }
  }
  return { info: { order, producer, dtype }, issues };
}

function findCycle(nodes: number[], deps: Map<number, Set<number>>): number[] {
  const inSet = new Set(nodes);
  for (const start of nodes) {
    const path: number[] = [];
    const seen = new Set<number>();
    const walk = (n: number): number[] | null => {
      if (path.includes(n)) return path.slice(path.indexOf(n));
      if (seen.has(n)) return null;
      seen.add(n);
      path.push(n);
      for (const d of deps.get(n) ?? []) {
        if (!inSet.has(d)) continue;
        const c = walk(d);
        if (c) return c;
      }
      path.pop();
      return null;
    };
    const c = walk(start);
    if (c) return c.reverse();
  }
  return nodes;
}

/** The sources (conditioning names, 'text', 'frontend') each stage depends on, through the graph. */
export function stageDependencies(stages: StageSpec[], info: GraphInfo): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const byIndex = new Map(stages.map((s) => [s.index, s]));
  for (const i of info.order) {
    const d = new Set<string>();
    for (const [, tensor] of byIndex.get(i)!.in) {
      const p = info.producer.get(tensor);
      if (!p) continue;
      if ('source' in p) d.add(p.source.from);
      else for (const x of out.get(p.stage) ?? []) d.add(x);
    }
    out.set(i, d);
  }
  return out;
}

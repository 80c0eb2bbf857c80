// The contracts between the pipeline executor and the model families: what a frontend, a host step
// and a family registration look like. Plain types only; the executor (executor.ts) knows no family,
// and a family (src/families/<name>/) knows no command. See docs/model-manifest.md (format 2).
import type { Place } from '../core/errors.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** A value on the pipeline's board: a tensor, or text (a sentence, a prompt) for steps that take text. */
export type Value = Tensor | string;
export type ValueMap = Record<string, Value>;

/** One sentence (part) of a request as the frontend spoke it. */
export interface FrontendSentence {
  /** The part of the input text this sentence covers (what a text step such as a tokenizer reads). */
  text: string;
  /** Symbols in model order (tokens[i] is the symbol of ids[i]). */
  tokens: string[];
  ids: Int32Array;
}

/** Text longer than the limit: how long it was and how many parts it was spoken in. */
export interface SplitInfo {
  phonemes: number;
  limit: number;
  parts: number;
}

export interface FrontendResult {
  sentences: FrontendSentence[];
  /** Unreadable characters, words spelled by rules, … — one line each, never silent. */
  warnings: string[];
  /** Set when the text was split because it was over `limit` ids. */
  split: SplitInfo | null;
  /** The text after normalisation (numbers read out …), for `emovoice phonemize`. */
  normalized?: string;
  /** Per-word detail for `emovoice phonemize` (free form, printed as JSON). */
  words?: unknown[];
}

export interface FrontendOptions {
  /** Most ids per sentence: longer text is split at sentence/clause boundaries, never truncated. */
  limit: number;
  /** A language hint ('auto', 'en', 'zh', …) where the frontend takes one. */
  language?: string;
}

/** Text → token ids, one list per sentence (sherpa-onnx's frontend interface). */
export interface Frontend {
  readonly name: string;
  /** The language hints (FrontendOptions.language) it takes; absent: none ('auto' only), and any other is refused. */
  readonly languages?: readonly string[];
  toIds(text: string, opts: FrontendOptions): Promise<FrontendResult>;
  /**
   * The text cut into sentences by this frontend's own rules (the cuts `toIds` makes first when text is
   * over the limit), in order, each a piece of the text (whitespace at the edges may be trimmed).
   * Long-form synthesis speaks, and subtitles, one sentence at a time. Absent: the text is one sentence.
   */
  sentences?(text: string): string[];
  /** Release a process the frontend holds (espeak-ng …); optional. */
  close?(): Promise<void>;
}

/** What a frontend or step factory gets: its manifest section, resolved against the manifest's folder. */
export interface FactoryContext {
  /** The manifest file and its folder (relative file names in params resolve against `dir`). */
  manifestPath: string;
  dir: string;
  /** The manifest's `audio:` section (sample_rate, hop, mel …). */
  audio: { sample_rate: number; hop?: number; mel?: Record<string, unknown> };
  /** Where this section is in the manifest, for errors (`place.path` is e.g. "graph[3].params"). */
  place: Place;
}

export interface FrontendDef {
  name: string;
  /** One-line description for `emovoice models`. */
  description: string;
  /** `section` is the manifest's `frontend:` mapping; `symbols` its symbol table (index = id). */
  create(section: Record<string, unknown>, symbols: string[], ctx: FactoryContext): Promise<Frontend>;
}

/** A port of a host step: its name on the step, and the dtype it takes or gives ('any' or 'text' allowed). */
export interface PortSpec {
  name: string;
  dtype: string | 'any' | 'text';
  /** May be absent (an input the step can do without; an output it gives only when that input came). */
  optional?: boolean;
}

export interface HostStep {
  run(inputs: ValueMap): ValueMap | Promise<ValueMap>;
}

export interface HostStepDef {
  name: string;
  description: string;
  /**
   * Ports. `variadic: true` steps (first_of) take `in:` as a list; their inputs are called "0", "1", ….
   * The output dtype 'same' means: the dtype of the first input present.
   */
  inputs: PortSpec[];
  outputs: PortSpec[];
  variadic?: boolean;
  /** Steps that cost nothing (a choice, a lookup) are run but not listed in stage timings. */
  trivial?: boolean;
  /** Check params and build the step; throw UserError with ctx.place for a bad parameter. */
  create(params: Record<string, unknown>, ctx: FactoryContext): Promise<HostStep> | HostStep;
}

/** A family registers its frontends and its own host steps by name (src/families/<name>/index.ts). */
export interface FamilyDef {
  name: string;
  description: string;
  frontends?: FrontendDef[];
  steps?: HostStepDef[];
  /** Older manifest formats this family owns: format string → data in format 2 (pure). */
  migrations?: Record<string, (data: Record<string, unknown>) => Record<string, unknown>>;
  /** The sentence bench speaks when the manifest gives no frontend.sample_text. */
  sampleText?: string;
}

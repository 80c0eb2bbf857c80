// The rule list of the strongly typed conversion: which ONNX ops stay in FP32 whatever their measured
// ranges say, grouped the way users meet the problem (TensorRT issues #2564, #3101, #1954 and CosyVoice
// #1930: FP16 overflow in normalisation, softmax and exp). A profile's `keep_fp32` adds op types, group
// names or node names to these; it cannot remove them. Pure data and lookups.

/** Rule groups: name → op types. The name is what a report and a profile's keep_fp32 say. */
export const RULE_GROUPS: Readonly<Record<string, readonly string[]>> = {
  // mean/variance over a long axis: the sum of squares overflows FP16 long before the activations do
  layernorm: ['LayerNormalization', 'GroupNormalization', 'InstanceNormalization', 'RMSNormalization', 'MeanVarianceNormalization', 'LpNormalization'],
  // exp of the largest logit; FP16 overflows at exp(11.1)
  softmax: ['Softmax', 'LogSoftmax'],
  // reductions accumulate in the tensor's type under strong typing
  reducemean: ['ReduceMean', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp'],
  // x² of |x| > 256 is already beyond FP16's 65504
  pow: ['Pow'],
  exp: ['Exp', 'Softplus'],
  // a phase of a few hundred radians has an FP16 spacing of 0.25 rad: the angle is lost (see phaseCone)
  trig: ['Sin', 'Cos'],
  // ops whose output type is an attribute (dtype) that the conversion does not rewrite
  typed: ['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'EyeLike', 'Multinomial', 'Bernoulli'],
};

export const RULES_VERSION = 1;

/** Every op type of the default ONNX domain (opsets 1–24), to tell op types from node names in keep_fp32. */
export const ONNX_OPS: ReadonlySet<string> = new Set(
  (
    'Abs Acos Acosh Add AffineGrid And ArgMax ArgMin Asin Asinh Atan Atanh Attention AveragePool BatchNormalization ' +
    'Bernoulli BitCast BitShift BitwiseAnd BitwiseNot BitwiseOr BitwiseXor BlackmanWindow Cast CastLike Ceil Celu ' +
    'CenterCropPad Clip Col2Im Compress Concat ConcatFromSequence Constant ConstantOfShape Conv ConvInteger ' +
    'ConvTranspose Cos Cosh CumProd CumSum DFT DeformConv DepthToSpace DequantizeLinear Det Div Dropout ' +
    'DynamicQuantizeLinear Einsum Elu Equal Erf Exp Expand EyeLike Flatten Floor GRU Gather GatherElements GatherND ' +
    'Gelu Gemm GlobalAveragePool GlobalLpPool GlobalMaxPool Greater GreaterOrEqual GridSample GroupNormalization ' +
    'HammingWindow HannWindow HardSigmoid HardSwish Hardmax Identity If ImageDecoder InstanceNormalization IsInf IsNaN ' +
    'LRN LSTM LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax Loop LpNormalization LpPool MatMul ' +
    'MatMulInteger Max MaxPool MaxRoiPool MaxUnpool Mean MeanVarianceNormalization MelWeightMatrix Min Mish Mod Mul ' +
    'Multinomial Neg NegativeLogLikelihoodLoss NonMaxSuppression NonZero Not OneHot Optional OptionalGetElement ' +
    'OptionalHasElement Or PRelu Pad Pow QLinearConv QLinearMatMul QuantizeLinear RMSNormalization RNN RandomNormal ' +
    'RandomNormalLike RandomUniform RandomUniformLike Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ' +
    'ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare RegexFullMatch Relu Reshape Resize ' +
    'ReverseSequence RoiAlign RotaryEmbedding Round STFT Scan Scatter ScatterElements ScatterND Selu SequenceAt ' +
    'SequenceConstruct SequenceEmpty SequenceErase SequenceInsert SequenceLength SequenceMap Shape Shrink Sigmoid Sign ' +
    'Sin Sinh Size Slice Softmax SoftmaxCrossEntropyLoss Softplus Softsign SpaceToDepth Split SplitToSequence Sqrt ' +
    'Squeeze StringConcat StringNormalizer StringSplit Sub Sum Swish Tan Tanh TensorScatter TfIdfVectorizer ' +
    'ThresholdedRelu Tile TopK Transpose Trilu Unique Unsqueeze Upsample Where Xor'
  ).split(' '),
);

/**
 * What a keep_fp32 entry names. An entry ending in "/" is a scope: every node whose name starts with it
 * (PyTorch's exporter names nodes by module path, so "/dp/" is a whole submodule, e.g. a duration predictor).
 */
export type KeepEntry = { kind: 'group'; name: string } | { kind: 'op'; name: string } | { kind: 'node'; name: string } | { kind: 'scope'; name: string };

export function classifyKeepEntry(entry: string): KeepEntry {
  if (Object.hasOwn(RULE_GROUPS, entry)) return { kind: 'group', name: entry };
  if (ONNX_OPS.has(entry)) return { kind: 'op', name: entry };
  if (entry.endsWith('/')) return { kind: 'scope', name: entry };
  return { kind: 'node', name: entry };
}

/** Whether a keep_fp32 node or scope entry names a node of these (a scope: some node under it). */
export function keepEntryMatches(k: KeepEntry, nodes: ReadonlySet<string>): boolean {
  if (k.kind === 'node') return nodes.has(k.name);
  if (k.kind === 'scope') return [...nodes].some((n) => n.startsWith(k.name));
  return true;
}

/** The rule group that keeps this op type in FP32, if any. */
export function ruleGroupOf(opType: string): string | undefined {
  for (const [group, ops] of Object.entries(RULE_GROUPS)) if (ops.includes(opType)) return group;
  return undefined;
}

/** FP16's largest finite value. */
export const FP16_MAX = 65504;
/** Default keep-FP32 threshold: a quarter of FP16's range, headroom for speech louder than the calibration set. */
export const DEFAULT_FP16_MAX_ABS = 16384;
/** Half the smallest FP16 subnormal (2^-25): a non-zero constant below it becomes 0 in FP16. */
export const FP16_UNDERFLOW = 2 ** -25;
/** A Sin/Cos argument reaching this |x| needs FP32 all the way: FP16's spacing there is 2^-9 rad and grows with x. */
export const PHASE_MAX_ABS = 4;
/** Ops the phase cone does not cross: keeping a whole network in FP32 for one Sin would cost more than it saves. */
export const HEAVY_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Einsum', 'Attention', 'LSTM', 'GRU', 'RNN']);

// `emovoice calibrate <module>`: INT8 calibration on real recorded speech — TensorRT calibration
// cache, QDQ ONNX model, and a quality report on held-out recordings with a layer sensitivity ranking;
// for a model that speaks English, the WER of held-out sentences spoken by the graph with the calibrated
// module (everything else FP32) next to the FP32 graph, gated by --max-wer-increase. For a profile whose
// backend is ONNX Runtime (the CPU) the quality and the WER gate measure the module in the integer form the
// CPU runs (src/optimize/int8-cpu.ts, from the same ranges), not the Q/DQ model written for TensorRT.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { melConfigFromManifest } from '../audio/mel.ts';
import { formatCalibrationCache } from '../calibrate/cache.ts';
import { StatisticsCollector } from '../calibrate/histogram.ts';
import { insertQdq, quantizableNodes } from '../calibrate/quantize.ts';
import { RANGE_METHODS, computeRanges, type RangeMethod } from '../calibrate/ranges.ts';
import { werCheck, werLines, werOptions, werSkipReason, type SpeakingPath, type WerCheck } from '../asr/check.ts';
import { MediaCollector } from '../report/html/collect.ts';
import { calibrationInputs, dataMode, fp32Pipeline, mcdMelConfig, measureQuality, qualityScore, qualityText, type Quality } from '../calibrate/run.ts';
import { calibrationFiles, calibrationFolder, CALIBRATION_DIR, RECORD_FORMAT, type CalibrationRecord } from '../calibrate/store.ts';
import { windowFeeds } from '../calibrate/windows.ts';
import { Pipeline } from '../pipeline/executor.ts';
import { makeRunners } from '../synth/runners.ts';
import { writeNpz } from '../tensor/io.ts';
import { speakingPath, werConditioning } from '../verify/wer.ts';
import { UserError } from '../core/errors.ts';
import { sha256Text, writeFileAtomic } from '../core/files.ts';
import { loadModelManifest, moduleOrder } from '../model/manifest.ts';
import { decodeOnnxModel, encodeOnnxModel } from '../model/onnx.ts';
import { int8CpuModel } from '../optimize/cpu.ts';
import { loadProfile } from '../profile/load.ts';
import { loadProfileModel } from '../profile/model.ts';
import { exposeIntermediates } from '../runtime/expose.ts';
import { OrtRunner } from '../runtime/ort.ts';
import type { TensorMap } from '../tensor/tensor.ts';
import { findTrtexec } from '../trtexec/find.ts';
import { detectTensorRt } from '../trtexec/version.ts';
import { CONFIGS_DIR, collect, log, positiveInt } from './common.ts';

interface Opts {
  profile: string;
  backend: string;
  data: string;
  method?: string;
  percentile: string;
  samples: string;
  heldout: string;
  out?: string;
  trtVersion?: string;
  keepFp16: string;
  sensitivity: string;
  json?: boolean;
  set?: string[];
  window?: string;
  saveInputs?: boolean;
  werSentences?: string;
  maxWerIncrease?: string;
  html?: string;
}

/** Held-out inputs whose FP32 and INT8 audio an HTML report holds. */
const HTML_HELDOUT_CASES = 4;

/**
 * The file ONNX Runtime's CPU runs for this INT8 module, made by the same function the CPU backend uses
 * (src/optimize/cpu.ts int8CpuModel: from the cache and Q/DQ model just written), in a temporary folder, for
 * the quality and the WER gate; null where no Conv could be quantized (the Q/DQ model is gated then).
 */
async function integerForm(onnx: string, cache: string, qdqModel: string, module: string) {
  const dir = await mkdtemp(join(tmpdir(), 'emovoice-int8-cpu-'));
  const o = await int8CpuModel(onnx, cache, dir, module, { qdqModel });
  if (!o.rewritten.length) {
    await rm(dir, { recursive: true, force: true });
    return null;
  }
  const r = new OrtRunner(o.file);
  await r.load();
  return { r, file: o.file, dir, label: "INT8 on ONNX Runtime's CPU (integer form)", nodes: o.rewritten.length };
}

export function register(program: Command): void {
  program
    .command('calibrate')
    .description('INT8 calibration on real recorded speech: TensorRT calibration cache + QDQ ONNX model + quality on held-out speech')
    .argument('<module>', "module to calibrate (any module of the profile's model; the seed's advice: start with the vocoder)")
    .option('--profile <name|path>', 'profile naming the model', 'a10g-int8')
    .option('--backend <ort|cuda>', 'where the FP32 reference runs (the upstream stages and the module itself) go: ONNX Runtime on the CPU, or its CUDA provider (TF32 on; NVIDIA_TF32_OVERRIDE=0 turns it off)', 'ort')
    .option('--data <dir|manifest>', 'real speech: a speech manifest or a folder of WAVs', 'calibration/speech.yaml')
    .option('--method <m>', `range algorithm: ${RANGE_METHODS.join('|')} (default: mse on a profile whose backend is ONNX Runtime, whose CPU runs the integer form, where it keeps the most of the signal; entropy, TensorRT's own, on the others)`)
    .option('--percentile <p>', 'percentile for --method percentile', '99.99')
    .option('--samples <n>', 'calibration inputs (chunks of speech)', '64')
    .option('--heldout <n>', 'held-out inputs for the quality report', '8')
    .option('--out <dir>', `output folder (default ${CALIBRATION_DIR}/<model name>, where an INT8 profile that names no calibration finds it)`)
    .option('--trt-version <x.y.z>', 'TensorRT version for the cache header (default: detected trtexec, else 10.0.0)')
    .option('--keep-fp16 <n>', 'leave the n most sensitive layers unquantized in the QDQ model', '0')
    .option('--sensitivity <n>', 'rank this many of the largest layers by sensitivity (0 = skip)', '12')
    .option('--window <frames>', 'cut every input into windows of this many steps along its time axis (the same windows for calibration and the held-out quality; what calibrators that stack inputs need)')
    .option('--save-inputs', 'also write the inputs used (calibration and held-out, after --window) to <out>/<module>.inputs.npz, for a peer calibrator on the same data')
    .option('--wer-sentences <n>', 'held-out English sentences spoken by the graph with the calibrated module and by the FP32 graph (0 skips the WER check)', '8')
    .option('--max-wer-increase <x>', 'fail (exit 1) when the calibrated graph\'s WER exceeds the FP32 graph\'s by more than this', '0.05')
    .option('--set <key=value>', 'override a profile value (repeatable)', collect)
    .option('--json', 'print a JSON report')
    .option('--html <file>', 'also write a self-contained HTML report: quality, the sensitivity ranking as a chart, spectrograms and audio of FP32 against INT8, what the recogniser heard')
    .action(async (module: string, opts: Opts) => {
      if (opts.method !== undefined && !(RANGE_METHODS as readonly string[]).includes(opts.method)) {
        throw new UserError(`unknown method "${opts.method}"`, { hint: `use one of: ${RANGE_METHODS.join(', ')}` });
      }
      const werOpts = werOptions(opts.werSentences, opts.maxWerIncrease);
      if (opts.backend !== 'ort' && opts.backend !== 'cuda') throw new UserError(`--backend: calibrate's reference runs take ort or cuda, not "${opts.backend}"`, { hint: 'use --backend ort or --backend cuda' });
      const refBackend = opts.backend;
      const window = opts.window === undefined ? undefined : positiveInt('--window', opts.window);
      const source = resolve(opts.data);
      if (!existsSync(source)) {
        throw new UserError('no real speech to calibrate on', { place: { file: source }, hint: 'run `bash calibration/fetch-speech.sh`, or pass --data with a folder of WAV recordings' });
      }
      const loaded = await loadProfile(opts.profile, { configsDir: CONFIGS_DIR, overrides: opts.set ?? [] });
      // the integer form on ONNX Runtime's CPU keeps the most signal with mse ranges (docs/performance-cpu.md §11:
      // waveform SNR 20–26 dB against 12–15 with entropy's); TensorRT's Q/DQ path keeps its own default
      const method = (opts.method ?? (loaded.profile.backend === 'ort' ? 'mse' : 'entropy')) as RangeMethod;
      const manifest = await loadProfileModel(loaded);
      if (!manifest.modules[module]) {
        throw new UserError(`calibration of "${module}": the model has no such module`, { place: { file: manifest.path, path: 'modules' }, hint: `calibrate one of: ${moduleOrder(manifest).join(', ')} (the seed's advice: start with the vocoder)` });
      }
      const onnx = manifest.modules[module]!.file;
      // keyed by model and module: another model's calibration of the same module is never overwritten
      const outDir = resolve(opts.out ?? calibrationFolder(manifest.name));
      const files = calibrationFiles(outDir, module);
      const kinds = Object.fromEntries(Object.entries(manifest.modules[module]!.outputs).map(([k, t]) => [k, t.kind]));
      const mode = dataMode(manifest, module);
      const mel = mode === 'speech' ? melConfigFromManifest(manifest.audio, manifest.path) : undefined;
      const exe = opts.trtVersion ? null : await findTrtexec().catch(() => null);
      const trtVersion = opts.trtVersion ?? (exe ? (await detectTensorRt(exe)).version : '10.0.0');

      // modules fed through the graph get their inputs from the fp32 upstream stages (real transcripts, real voices)
      const pipeline = mode === 'pipeline' ? await fp32Pipeline(manifest, loaded.profile.serving, refBackend) : undefined;
      const specs = manifest.modules[module]!.inputs;
      async function* realInputs(split: 'calibration' | 'heldout', maxInputs: number) {
        if (window === undefined) return yield* calibrationInputs({ manifest, module, source, split, mel, maxInputs, pipeline });
        let n = 0;
        for await (const { clip, feeds } of calibrationInputs({ manifest, module, source, split, mel, maxInputs: Number.MAX_SAFE_INTEGER, pipeline })) {
          for (const w of windowFeeds(feeds, specs, window)) {
            yield { clip, feeds: w };
            if (++n >= maxInputs) return;
          }
        }
      }
      const saved: TensorMap = {};
      const save = (split: string, i: number, feeds: TensorMap) => {
        if (opts.saveInputs) for (const [k, t] of Object.entries(feeds)) saved[`${split}/${String(i).padStart(4, '0')}/${k}`] = t;
      };
      // 1. statistics: one streaming pass over real speech, every float tensor exposed
      const original = await readFile(onnx);
      const exposed = await exposeIntermediates(original, onnx);
      const runner = new OrtRunner(onnx, { modelBytes: exposed.bytes });
      await runner.load();
      const stats = new StatisticsCollector();
      const t0 = performance.now();
      let inputs = 0;
      let seconds = 0;
      const seen = new Set<string>();
      for await (const { clip, feeds } of realInputs('calibration', Number(opts.samples))) {
        if (!seen.has(clip.id)) {
          seen.add(clip.id);
          seconds += clip.samples.length / clip.sampleRate;
        }
        save('calibration', inputs, feeds);
        const outs = await runner.infer(feeds);
        for (const [k, t] of Object.entries({ ...feeds, ...outs })) if (t.dtype === 'float32') stats.add(k, t.data as Float32Array);
        inputs++;
      }
      await runner.close();
      const statsSeconds = (performance.now() - t0) / 1000;
      if (!inputs) throw new UserError('the speech set gave no usable input', { place: { file: source }, hint: 'check the recordings (run calibration/fetch-speech.sh)' });

      // 2. ranges → TensorRT cache (trtexec's calibrator reads EntropyCalibration2 caches)
      const amax = computeRanges(stats.snapshot(), method, { percentile: Number(opts.percentile) });
      await mkdir(outDir, { recursive: true });
      const cachePath = files.cache;
      await writeFileAtomic(cachePath, formatCalibrationCache({ trtVersion, algorithm: 'EntropyCalibration2', amax }));

      // 3. held-out real speech for quality
      const held: TensorMap[] = [];
      const heldClips: { id: string; samples: Float32Array; sampleRate: number }[] = [];
      for await (const { clip, feeds } of realInputs('heldout', Number(opts.heldout))) {
        save('heldout', held.length, feeds);
        held.push(feeds);
        heldClips.push(clip);
      }
      const inputsPath = join(outDir, `${module}.inputs.npz`);
      if (opts.saveInputs) await writeNpz(inputsPath, saved);
      const fp32 = new OrtRunner(onnx, { providers: [refBackend === 'cuda' ? 'cuda' : 'cpu'] });
      await fp32.load();
      const qdqRunner = async (exclude: Set<string>) => {
        const m = await decodeOnnxModel(original, onnx);
        const q = insertQdq(m, amax, exclude);
        const bytes = await encodeOnnxModel(q.model);
        const r = new OrtRunner(onnx, { modelBytes: bytes });
        await r.load();
        return { r, bytes, nodes: q.quantizedNodes };
      };

      // 4. sensitivity: quantize one layer at a time (largest layers first), measure the drop
      const all = quantizableNodes(await decodeOnnxModel(original, onnx));
      const probe = held.slice(0, 2);
      const ranked: { layer: string; opType: string; quality: Quality }[] = [];
      for (const n of [...all].sort((a, b) => b.weightBytes - a.weightBytes).slice(0, Number(opts.sensitivity))) {
        const only = await qdqRunner(new Set(all.map((x) => x.name).filter((x) => x !== n.name)));
        ranked.push({ layer: n.name, opType: n.opType, quality: await measureQuality(kinds, fp32, only.r, probe) });
        await only.r.close();
      }
      ranked.sort((a, b) => qualityScore(a.quality) - qualityScore(b.quality));
      // layers the profile already pins to a float precision stay unquantized too
      const pinned = Object.keys(loaded.profile.modules?.[module]?.layer_precisions ?? {});
      const keep = new Set([...ranked.slice(0, Number(opts.keepFp16)).map((r) => r.layer), ...pinned]);

      const final = await qdqRunner(keep);
      const qdqPath = files.qdqModel;
      await writeFileAtomic(qdqPath, final.bytes);
      // On ONNX Runtime's CPU (a profile whose backend is ort) the module runs in the integer form made from
      // these ranges (src/optimize/int8-cpu.ts), not as the Q/DQ model: the quality and the WER gate measure that.
      const cpuForm = loaded.profile.backend === 'ort' ? await integerForm(onnx, cachePath, qdqPath, module) : null;
      const gated = cpuForm ?? { r: final.r, file: qdqPath, label: 'INT8 QDQ' };
      // waveforms are also compared as log-mels (MCD), on the model's own mel where it declares one
      const waveformMel = Object.values(kinds).includes('waveform') ? mcdMelConfig(manifest.audio) : undefined;
      const quality = await measureQuality(kinds, fp32, gated.r, held, waveformMel);
      // the audio an HTML report plays: the first held-out inputs through FP32 and INT8 (and the recording, when the input is all of it)
      const media = opts.html ? new MediaCollector(manifest.audio.sample_rate, mcdMelConfig(manifest.audio)) : undefined;
      for (const [i, feeds] of (media ? held.slice(0, HTML_HELDOUT_CASES) : []).entries()) {
        const [a, b] = [await fp32.infer(feeds), await gated.r.infer(feeds)];
        const made = media!.moduleCase(module, `held-out ${i + 1}`, kinds, b, a, `INT8 ${module} (${cpuForm ? 'integer form' : 'Q/DQ'})`, `FP32 ${module}`);
        const rec = heldClips[i]!;
        if (window === undefined) made.find((c) => c.clips.length)?.clips.push(media!.clip(`the recording (${rec.id})`, rec.samples, rec.sampleRate));
      }
      await Promise.all([fp32.close(), final.r.close(), cpuForm?.r.close()]);

      // 5. what a listener understands: the graph with this module's QDQ model vs the FP32 graph
      let wer: WerCheck;
      const skip = werSkipReason(manifest, werOpts.sentences) ?? (/\.ya?ml$/i.test(source) ? null : `--data ${opts.data} is a folder of recordings: the test sentences are the held-out transcripts of a speech manifest`);
      if (skip) wer = { status: 'skipped', reason: skip };
      else {
        const fp32Graph = pipeline ?? (await fp32Pipeline(manifest, loaded.profile.serving, refBackend));
        const runners = makeRunners(manifest, 'ort', { onnx: { [module]: gated.file } });
        await Promise.all(Object.values(runners).map((r) => r.load()));
        try {
          const conditioning = await werConditioning(manifest);
          const record = (x: SpeakingPath) => media?.recordPath(x) ?? x;
          log(`WER: speaking up to ${werOpts.sentences} held-out sentences with the INT8 ${module} and with the FP32 graph, heard by the recogniser`);
          wer = await werCheck({
            manifest,
            speech: source,
            sentences: werOpts.sentences,
            maxIncrease: werOpts.maxIncrease,
            fp32: record(speakingPath('FP32 graph (ONNX Runtime CPU)', fp32Graph, conditioning)),
            candidate: record(speakingPath(`INT8 ${module} (${cpuForm ? 'integer form, ONNX Runtime CPU' : 'QDQ'}), the rest FP32`, new Pipeline(fp32Graph.model, runners), conditioning)),
          });
        } finally {
          await Promise.all(Object.values(runners).map((r) => r.close()));
          if (!pipeline) await fp32Graph.close();
        }
      }
      await pipeline?.close();
      if (cpuForm) await rm(cpuForm.dir, { recursive: true, force: true });

      const report = {
        module,
        model: onnx,
        inputsFrom: mode === 'speech' ? 'log-mel of real recordings' : 'the fp32 graph run on real transcripts (and recordings as reference audio)',
        method,
        data: source,
        calibration: { inputs, speechSeconds: seconds, tensors: amax.size, seconds: statsSeconds, speechSecondsPerSecond: seconds / statsSeconds, ...(window && { window }) },
        outputs: { cache: cachePath, qdqModel: qdqPath, tensorrtVersion: trtVersion, ...(opts.saveInputs && { inputs: inputsPath }) },
        quality: { heldoutInputs: held.length, form: cpuForm ? 'onnxruntime-cpu-integer' : 'qdq', ...quality },
        wer,
        quantizedLayers: final.nodes.length,
        keptInFloat: [...keep],
        sensitivity: ranked.map((r) => ({ layer: r.layer, opType: r.opType, ...r.quality })),
        suggestion: ranked.slice(0, 3).map((r) => r.layer),
      };
      await writeFileAtomic(files.quality, JSON.stringify(report, null, 2) + '\n');
      // what was calibrated, from which bytes: a profile finding this calibration refuses it once the model changes
      const record: CalibrationRecord = { format: RECORD_FORMAT, model: manifest.name, module, onnx, onnxSha256: sha256Text(original), qdqModel: qdqPath, cache: cachePath, createdAt: new Date().toISOString() };
      await writeFileAtomic(files.record, JSON.stringify(record, null, 2) + '\n');
      if (opts.html) await (await import('../report/html/write.ts')).writeHtmlReport(opts.html, [{ kind: 'calibrate', doc: report, source: `emovoice calibrate ${module} --profile ${loaded.profile.name}`, media }]);
      if (wer.status === 'fail') process.exitCode = 1;
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const f = (v: number | undefined, d = 2) => (v === undefined ? '-' : v.toFixed(d));
      process.stdout.write(
        [
          `calibrated ${module} on ${inputs} inputs (${seconds.toFixed(1)} s of real speech) in ${statsSeconds.toFixed(1)} s — ${amax.size} tensors, method ${method}`,
          `  cache       ${cachePath} (TRT ${trtVersion}, EntropyCalibration2 format)`,
          `  QDQ model   ${qdqPath} (${final.nodes.length} layers quantized${keep.size ? `, ${keep.size} kept in float: ${[...keep].join(', ')}` : ''})`,
          ...(cpuForm ? [`  CPU form    ${cpuForm.nodes} Conv as QLinearConv, the form ONNX Runtime's CPU runs (checked below; written where a profile runs it)`] : []),
          `quality on ${held.length} held-out inputs (${gated.label} vs fp32, ONNX Runtime): ${qualityText(quality, f)}`,
          ...(ranked.length
            ? [
                'most sensitive layers (quantized alone):',
                ...ranked.slice(0, 5).map((r) => `  ${r.layer.padEnd(40)} ${r.opType.padEnd(14)} ${qualityText(r.quality, f)}`),
                `suggestion: keep ${report.suggestion.join(', ')} in FP16 (--keep-fp16 ${Math.min(3, ranked.length)}, or modules.${module}.layer_precisions in the profile)`,
              ]
            : ['layer sensitivity not ranked (--sensitivity 0)']),
          ...werLines(wer),
        ].join('\n') + '\n',
      );
    });
}

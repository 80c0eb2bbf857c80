// Worker-thread side of OrtThreadRunner (src/runtime/ort-thread.ts): owns the ONNX Runtime sessions of
// the runners that share this thread (one model's modules, by default). onnxruntime-node runs inference
// synchronously on the calling thread, so a session on the main thread blocks every timer and every
// other request while it runs; here it blocks only this worker.
// Protocol (postMessage), `key` naming one session of this thread:
//   {type:'load', key, path, sessionOptions}  -> {type:'loaded', key, inputs, outputs} | {type:'error', stage:'load', key, message}
//   {type:'run', id, key, feeds, outputNames} -> {type:'result', id, outputs} | {type:'error', stage:'run', id, message}
//   {type:'release', key}                      (the session is released; nothing answers)
//   {type:'close'}                             (every session released, the thread ends)
// ONNX Runtime reads the model file itself: no copy of the file's bytes is ever held in JavaScript.
// Output tensors travel as {dtype, shape, data} with their buffers transferred, not copied. Plain JS:
// workers do not inherit the TypeScript loader.
// Every call leaves its feeds (copies) and ONNX Runtime's output buffers behind as garbage outside the
// JavaScript heap, which V8 collects only once ~64 MB of it has piled up: on the Piper voice that was a
// sixth of the process's peak memory (docs/performance-cpu.md, §6). The thread collects once 4 MB of
// tensors have passed through it, after answering (a collection of this small heap takes ~1 ms).
import { parentPort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as ort from 'onnxruntime-node';

const sessions = new Map();
const COLLECT_BYTES = 4 * 2 ** 20;
let passed = 0;
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc');

function meta(names, metadata) {
  return names.map((name, i) => ({ name, dtype: metadata?.[i]?.type ?? 'unknown', dims: metadata?.[i]?.shape ? [...metadata[i].shape] : [] }));
}

const firstLine = (e) => String(e instanceof Error ? e.message : e).split('\n')[0].trim();

parentPort.on('message', async (msg) => {
  if (msg.type === 'load') {
    try {
      const session = await ort.InferenceSession.create(msg.path, msg.sessionOptions); // built by sessionOptions() in ort-options.ts
      sessions.set(msg.key, session);
      parentPort.postMessage({ type: 'loaded', key: msg.key, inputs: meta(session.inputNames, session.inputMetadata), outputs: meta(session.outputNames, session.outputMetadata) });
    } catch (e) {
      parentPort.postMessage({ type: 'error', stage: 'load', key: msg.key, message: firstLine(e) });
    }
  } else if (msg.type === 'run') {
    try {
      const session = sessions.get(msg.key);
      if (!session) throw new Error(`no session ${msg.key} in this thread`);
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) {
        feeds[name] = new ort.Tensor(t.dtype, t.data, t.shape);
        passed += t.data?.byteLength ?? 0;
      }
      const result = msg.outputNames ? await session.run(feeds, msg.outputNames) : await session.run(feeds);
      const outputs = {};
      const transfer = [];
      for (const [name, v] of Object.entries(result)) {
        outputs[name] = { dtype: v.type, shape: [...v.dims], data: v.data };
        if (v.data?.buffer instanceof ArrayBuffer && !transfer.includes(v.data.buffer)) transfer.push(v.data.buffer);
        passed += v.data?.byteLength ?? 0;
      }
      parentPort.postMessage({ type: 'result', id: msg.id, outputs }, transfer);
      if (passed > COLLECT_BYTES) {
        passed = 0;
        collect();
      }
    } catch (e) {
      parentPort.postMessage({ type: 'error', stage: 'run', id: msg.id, message: firstLine(e) });
    }
  } else if (msg.type === 'release') {
    const session = sessions.get(msg.key);
    sessions.delete(msg.key);
    await session?.release();
  } else if (msg.type === 'close') {
    for (const s of sessions.values()) await s.release();
    sessions.clear();
    parentPort.close();
  }
});

// Worker-thread side of OrtThreadRunner (src/runtime/ort-thread.ts): owns one ONNX Runtime session.
// onnxruntime-node runs inference synchronously on the calling thread, so a session on the main thread
// blocks every timer and every other request while it runs; here it blocks only this worker.
// Protocol (postMessage): {type:'load', bytes, sessionOptions} -> {type:'loaded', inputs, outputs} | {type:'error', stage:'load', message}
//                         {type:'run', id, feeds, outputNames} -> {type:'result', id, outputs} | {type:'error', stage:'run', id, message}
// Tensors travel as {dtype, shape, data} with their buffers transferred, not copied. Plain JS: workers
// do not inherit the TypeScript loader.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

let session = null;

function meta(names, metadata) {
  return names.map((name, i) => ({ name, dtype: metadata?.[i]?.type ?? 'unknown', dims: metadata?.[i]?.shape ? [...metadata[i].shape] : [] }));
}

const firstLine = (e) => String(e instanceof Error ? e.message : e).split('\n')[0].trim();

parentPort.on('message', async (msg) => {
  if (msg.type === 'load') {
    try {
      session = await ort.InferenceSession.create(msg.bytes, msg.sessionOptions); // built by sessionOptions() in ort.ts
      parentPort.postMessage({ type: 'loaded', inputs: meta(session.inputNames, session.inputMetadata), outputs: meta(session.outputNames, session.outputMetadata) });
    } catch (e) {
      parentPort.postMessage({ type: 'error', stage: 'load', message: firstLine(e) });
    }
  } else if (msg.type === 'run') {
    try {
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.dtype, t.data, t.shape);
      const result = msg.outputNames ? await session.run(feeds, msg.outputNames) : await session.run(feeds);
      const outputs = {};
      const transfer = [];
      for (const [name, v] of Object.entries(result)) {
        outputs[name] = { dtype: v.type, shape: [...v.dims], data: v.data };
        if (v.data?.buffer instanceof ArrayBuffer && !transfer.includes(v.data.buffer)) transfer.push(v.data.buffer);
      }
      parentPort.postMessage({ type: 'result', id: msg.id, outputs }, transfer);
    } catch (e) {
      parentPort.postMessage({ type: 'error', stage: 'run', id: msg.id, message: firstLine(e) });
    }
  } else if (msg.type === 'close') {
    await session?.release();
    session = null;
    parentPort.close();
  }
});

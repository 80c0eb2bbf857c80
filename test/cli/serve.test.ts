// `emovoice serve --triton` and `package --module-backend` as a user meets their errors: one error line
// naming the fix and exit 2, before any server starts. (The real server's own suite is
// test/serving/triton-server.test.ts.)
import { execa } from 'execa';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverArgs, whyNotReady } from '../../src/serving/server.ts';

const ROOT = resolve(__dirname, '../..');
const run = (args: string[], env: Record<string, string> = {}) => execa('node', [join(ROOT, 'bin/emovoice.js'), ...args], { cwd: ROOT, reject: false, env });
const oneLine = (s: string) => s.trim().split('\n');

describe('emovoice serve --triton', () => {
  it('without a Triton server installed: one line naming the set-up step, exit 2', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'ev-serve-'));
    await mkdir(join(repo, 'emovoice'));
    await writeFile(join(repo, 'emovoice', 'config.pbtxt'), 'name: "emovoice"\n');
    const r = await run(['serve', '--triton', repo], { EMOVOICE_TRITON_PYTHON: '/nonexistent/bin/python3', TRITONSERVER: '' });
    expect(r.exitCode).toBe(2);
    expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/^error: the Triton server is not installed: .*\(fix: run bash scripts\/setup\.sh .*nvidia-pytriton==0\.7\.0/)]);
  });

  it('a folder that is not a packaged repository, and a bad port: one line each, exit 2', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ev-serve-'));
    const a = await run(['serve', '--triton', empty]);
    expect(a.exitCode).toBe(2);
    expect(oneLine(a.stderr)).toEqual([expect.stringMatching(/has no emovoice\/config\.pbtxt: not a repository emovoice packaged \(fix: .*emovoice package/)]);
    const repo = await mkdtemp(join(tmpdir(), 'ev-serve-'));
    await mkdir(join(repo, 'emovoice'));
    await writeFile(join(repo, 'emovoice', 'config.pbtxt'), 'name: "emovoice"\n');
    const b = await run(['serve', '--triton', repo, '--http-port', '70000']);
    expect(b.exitCode).toBe(2);
    expect(oneLine(b.stderr)).toEqual([expect.stringMatching(/--http-port 70000 is not a port/)]);
  });

  it('package --module-backend: an unknown backend is one line naming the choices', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ev-serve-'));
    const r = await run(['package', '--profile', 'cpu', '--triton', join(out, 'repo'), '--module-backend', 'onnx']);
    expect(r.exitCode).toBe(2);
    expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/--module-backend onnx is not a module backend \(fix: use one of tensorrt, python\)/)]);
    const t = await run(['package', '--profile', 'cpu', '--triton', join(out, 'repo')]);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toMatch(/has no TensorRT engines .*--module-backend python/);
  });

  it('the server command line: loopback endpoints as asked, explicit model control, metrics off unless given', () => {
    const o = { repository: '/r', host: '127.0.0.1', httpPort: 8000, grpcPort: 8001, metricsPort: null, workDir: '/w', logFile: '/w/l', readyTimeoutS: 1, exitTimeoutS: 10 };
    const a = serverArgs(o, '/w/backends');
    expect(a).toEqual(expect.arrayContaining(['--model-repository=/r', '--backend-directory=/w/backends', '--http-address=127.0.0.1', '--http-port=8000',
      '--grpc-address=127.0.0.1', '--grpc-port=8001', '--allow-metrics=false', '--model-control-mode=explicit', '--load-model=*']));
    expect(serverArgs({ ...o, metricsPort: 8002 }, null)).toEqual(expect.arrayContaining(['--metrics-address=127.0.0.1', '--metrics-port=8002']));
    expect(serverArgs(o, null).some((x) => x.startsWith('--backend-directory'))).toBe(false);
  });

  it('why the server did not come up, from its log (lines of a real tritonserver 2.51 run on a model.py that imports a missing module)', () => {
    const log = [
      'E1207 03:06:38.615947 27667 server.cc:241] "CudaDriverHelper has not been initialized."',
      'E1207 03:06:39.039723 27667 model_lifecycle.cc:642] "failed to load \'m\' version 1: Internal: ModuleNotFoundError: No module named \'no_such_module\'\\n\\nAt:\\n  /tmp/wt-22/probe/repo/m/1/model.py(1): <module>\\n"',
      'I1207 03:06:39.039752 27667 model_lifecycle.cc:777] "failed to load \'m\'"',
      'error: creating server: Internal - failed to load all models',
    ].join('\n');
    expect(whyNotReady(log)).toBe("failed to load 'm' version 1: Internal: ModuleNotFoundError: No module named 'no_such_module'");
    expect(whyNotReady('I1207 03:06:39.039752 27667 server.cc:674] ok')).toBeNull();
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RealFFT } from '../../src/audio/fft.ts';
import { hzToMel, logMel, melConfigFromManifest, melFilterbank, melToHz, transposeMel, type MelConfig } from '../../src/audio/mel.ts';
import { reflectPad } from '../../src/audio/stft.ts';
import { parseNpy } from '../../src/tensor/npy.ts';
import { parseNpz } from '../../src/tensor/npz.ts';

// References: torch.stft + a numpy Slaney filterbank (test/fixtures/wav/make.py), over the ALSA
// "Front Center" recording resampled to 16 kHz by scipy.
const DIR = join(import.meta.dirname, '..', 'fixtures', 'wav');
const ROOT = join(import.meta.dirname, '..', '..');
const npy = (f: string) => parseNpy(new Uint8Array(readFileSync(join(DIR, f))));
const cases = JSON.parse(readFileSync(join(DIR, 'mel_cases.json'), 'utf8')) as Record<string, MelConfig>;

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('RealFFT', () => {
  for (const n of [8, 12, 1024, 800, 600, 17]) {
    it(`matches a direct DFT at n=${n}`, () => {
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) + ((i * 7919) % 13) / 13 - 0.5;
      const fft = new RealFFT(n);
      const re = new Float64Array(fft.bins);
      const im = new Float64Array(fft.bins);
      fft.forward(x, re, im);
      for (let k = 0; k < fft.bins; k++) {
        let sr = 0;
        let si = 0;
        for (let t = 0; t < n; t++) {
          sr += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
          si += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
        }
        expect(Math.abs(re[k]! - sr)).toBeLessThan(1e-9);
        expect(Math.abs(im[k]! - si)).toBeLessThan(1e-9);
      }
    });
  }
});

describe('log-mel vs torch', () => {
  const wav = npy('rs_48k_to_16k_scipy.npy').data as Float32Array;
  for (const [name, cfg] of Object.entries(cases)) {
    it(`${name}: n_fft ${cfg.n_fft} hop ${cfg.hop} win ${cfg.win_length} n_mels ${cfg.n_mels} log ${cfg.log_base}`, () => {
      const want = npy(`${name}.npy`);
      const got = logMel(wav, cfg);
      expect(got.shape).toEqual(want.shape);
      expect(got.shape[1]).toBe(Math.floor((wav.length + 2 * Math.floor((cfg.n_fft - cfg.hop) / 2) - cfg.n_fft) / cfg.hop) + 1);
      // torch float32 itself is ~6e-5 from float64 on this clip (mel_cases.json); we compute in float64
      expect(maxAbs(got.data as Float32Array, want.data as Float32Array)).toBeLessThan(1e-4);
    });
  }

  // models/tiny is committed: a missing file is a broken checkout, and fails here
  it('hello.npz: our mel of wav_ref equals the PyTorch ref_mel (models/tiny)', () => {
    const npzPath = join(ROOT, 'models', 'tiny', 'refs', 'e2e', 'hello.npz');
    const manifestPath = join(ROOT, 'models', 'tiny', 'manifest.yaml');
    const manifest = parseYaml(readFileSync(manifestPath, 'utf8')) as { audio: unknown };
    const cfg = melConfigFromManifest(manifest.audio, manifestPath);
    const refs = parseNpz(new Uint8Array(readFileSync(npzPath)), npzPath);
    const wavRef = refs.wav_ref!;
    const refMel = refs.ref_mel!;
    const samples = wavRef.dtype === 'float32' ? (wavRef.data as Float32Array) : Float32Array.from(wavRef.data as Float64Array);
    const mel = logMel(samples, cfg);
    // ref_mel is the style encoder's input: [batch, frames, n_mels] (or [frames, n_mels])
    const t = transposeMel(mel);
    expect(refMel.shape.slice(-2)).toEqual(t.shape);
    expect(maxAbs(t.data as Float32Array, refMel.data as Float32Array)).toBeLessThan(1e-4);
  });
});

describe('mel pieces', () => {
  it('Slaney scale: linear below 1 kHz, log above, and invertible', () => {
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(200)).toBeCloseTo(3, 12);
    expect(hzToMel(6400)).toBeCloseTo(42, 12); // 15 + 27
    for (const f of [0, 123, 999, 1000, 4321, 8000]) expect(melToHz(hzToMel(f))).toBeCloseTo(f, 8);
  });

  it('filterbank: Slaney area norm (each band integrates to ~2/(bandwidth)·area)', () => {
    const fb = melFilterbank(16000, 1024, 80, 0, 8000);
    const bins = 513;
    expect(fb.length).toBe(80 * bins);
    // with Slaney norm, Σ_b w·Δf ≈ 1 for bands wide enough to hold several bins
    for (const m of [40, 60, 79]) {
      let s = 0;
      for (let b = 0; b < bins; b++) s += fb[m * bins + b]!;
      expect(s * (16000 / 1024)).toBeCloseTo(1, 1);
    }
  });

  it('reflect pad as torch/numpy', () => {
    expect([...reflectPad(new Float32Array([1, 2, 3, 4]), 2)]).toEqual([3, 2, 1, 2, 3, 4, 3, 2]);
    expect(() => reflectPad(new Float32Array([1, 2]), 2)).toThrow(/too short/);
  });

  it('transposes [n_mels, frames] ↔ [frames, n_mels], batch too', () => {
    const t = transposeMel({ dtype: 'float32', shape: [1, 2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
    expect(t.shape).toEqual([1, 3, 2]);
    expect([...(t.data as Float32Array)]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('reads its config from a manifest audio section, with key paths in errors', () => {
    const audio = {
      sample_rate: 16000,
      mel: { n_fft: 1024, hop: 256, win_length: 1024, n_mels: 80, fmin: 0, fmax: 8000, log_base: 'e', clamp_min: 1e-5, pad: 'reflect', center: false },
    };
    expect(melConfigFromManifest(audio)).toEqual({
      sample_rate: 16000, n_fft: 1024, hop: 256, win_length: 1024, n_mels: 80, fmin: 0, fmax: 8000, log_base: 'e', clamp_min: 1e-5,
    });
    expect(() => melConfigFromManifest({ ...audio, mel: { ...audio.mel, hop: 0 } }, 'm.yaml')).toThrow(/positive integer/);
    let thrown: unknown;
    try {
      melConfigFromManifest({ ...audio, mel: { ...audio.mel, center: true } }, 'm.yaml');
    } catch (e) {
      thrown = e;
    }
    expect(thrown, 'center: true must be refused').toBeDefined();
    expect((thrown as { format(): string }).format()).toBe('m.yaml audio.mel.center: only center: false is implemented, got true');
  });
});

// WAV (RIFF/WAVE) decode/encode. Pure: bytes in, mono Float32Array out (and back).
// File access lives in src/audio/io.ts.
// Reads PCM 8-bit unsigned, 16/24/32-bit signed, IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE;
// skips unknown chunks (odd sizes are padded to even, as RIFF says); averages channels to mono.
// Anything else is a UserError naming the file and the command that converts it.
import { UserError } from '../core/errors.ts';

export interface Audio {
  sampleRate: number;
  /** Channels in the file; `samples` is always their average (mono). */
  channels: number;
  samples: Float32Array;
  durationSec: number;
}

export interface DecodedWav extends Audio {
  encoding: 'pcm' | 'float';
  bitsPerSample: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Record<number, string> = { 2: 'MS ADPCM', 6: 'A-law', 7: 'mu-law', 0x11: 'IMA ADPCM', 0x55: 'MP3' };

export const CONVERT_HINT = (file: string, rate = 16000) =>
  `convert with: ffmpeg -i ${file} -ar ${rate} -ac 1 -c:a pcm_s16le out.wav (or: sox ${file} -r ${rate} -c 1 -b 16 out.wav)`;

export function parseWav(bytes: Uint8Array, file = '<wav>'): DecodedWav {
  const fail = (msg: string) => new UserError(msg, { place: { file }, hint: CONVERT_HINT(file) });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(bytes[o]!, bytes[o + 1]!, bytes[o + 2]!, bytes[o + 3]!);
  if (bytes.length < 12) throw fail(`not a WAV file (${bytes.length} bytes)`);
  const riff = tag(0);
  if (riff === 'RIFX') throw fail('big-endian WAV (RIFX) is not supported');
  if (riff === 'RF64') throw fail('RF64 (>4 GiB) WAV is not supported');
  if (riff !== 'RIFF' || tag(8) !== 'WAVE') throw fail('not a WAV file (no RIFF/WAVE header)');

  let fmt: { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let dataStart = -1;
  let dataLen = 0;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = tag(pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) throw fail('truncated fmt chunk');
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (format === FORMAT_EXTENSIBLE) {
        if (size < 40) throw fail('truncated WAVE_FORMAT_EXTENSIBLE fmt chunk');
        format = view.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      fmt = { format, channels, sampleRate, blockAlign, bits };
    } else if (id === 'data') {
      dataStart = body;
      const left = bytes.length - body;
      if (size > left) {
        // 0xFFFFFFFF / 0: size unknown when written (streamed by ffmpeg/sox to a pipe); use what is there
        if (size === 0xffffffff || size === 0) dataLen = left;
        else throw fail(`truncated WAV: data chunk says ${size} bytes, the file has ${left}`);
      } else dataLen = size === 0 ? left : size;
      if (fmt) break; // everything needed; ignore trailing chunks
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) throw fail('WAV has no fmt chunk');
  if (dataStart < 0) throw fail('WAV has no data chunk');

  const { format, channels, sampleRate, bits } = fmt;
  if (format !== FORMAT_PCM && format !== FORMAT_FLOAT) {
    throw fail(`unsupported WAV encoding ${FORMAT_NAMES[format] ?? `0x${format.toString(16)}`} (need PCM or IEEE float)`);
  }
  if (channels < 1) throw fail('WAV has 0 channels');
  if (sampleRate < 1) throw fail('WAV has sample rate 0');
  const pcmOk = format === FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const floatOk = format === FORMAT_FLOAT && (bits === 32 || bits === 64);
  if (!pcmOk && !floatOk) {
    throw fail(`unsupported WAV sample format: ${format === FORMAT_PCM ? 'PCM' : 'float'} ${bits}-bit`);
  }
  const bytesPerSample = bits / 8;
  const frameBytes = bytesPerSample * channels;
  const frames = Math.floor(dataLen / frameBytes);
  const samples = new Float32Array(frames);
  const inv = 1 / channels;
  const read = sampleReader(view, format === FORMAT_FLOAT, bits);
  let o = dataStart;
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    for (let c = 0; c < channels; c++, o += bytesPerSample) acc += read(o);
    samples[i] = channels === 1 ? acc : acc * inv;
  }
  return {
    sampleRate,
    channels,
    samples,
    durationSec: frames / sampleRate,
    encoding: format === FORMAT_FLOAT ? 'float' : 'pcm',
    bitsPerSample: bits,
  };
}

function sampleReader(view: DataView, isFloat: boolean, bits: number): (o: number) => number {
  if (isFloat) return bits === 32 ? (o) => view.getFloat32(o, true) : (o) => view.getFloat64(o, true);
  switch (bits) {
    case 8:
      return (o) => (view.getUint8(o) - 128) / 128;
    case 16:
      return (o) => view.getInt16(o, true) / 32768;
    case 24:
      return (o) => ((view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 8388608);
    default:
      return (o) => view.getInt32(o, true) / 2147483648;
  }
}

export interface WavWriteOptions {
  /** 'pcm16' (default): 16-bit signed, rounded and clipped; 'float32': IEEE float, exact. */
  format?: 'pcm16' | 'float32';
}

/** Mono WAV. pcm16 maps x to round(x·32768) clipped to [-32768, 32767], the inverse of parseWav. */
export function encodeWav(samples: Float32Array, sampleRate: number, opts: WavWriteOptions = {}): Uint8Array {
  const isFloat = opts.format === 'float32';
  const bps = isFloat ? 4 : 2;
  const fmtSize = isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0; // non-PCM formats carry a fact chunk (sample count)
  const dataLen = samples.length * bps;
  const total = 12 + 8 + fmtSize + factSize + 8 + dataLen + (dataLen & 1);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const put = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, total - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, isFloat ? FORMAT_FLOAT : FORMAT_PCM, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * bps, true);
  v.setUint16(32, bps, true);
  v.setUint16(34, bps * 8, true);
  let o = 20 + fmtSize;
  if (isFloat) {
    v.setUint16(36, 0, true); // cbSize
    put(o, 'fact');
    v.setUint32(o + 4, 4, true);
    v.setUint32(o + 8, samples.length, true);
    o += 12;
  }
  put(o, 'data');
  v.setUint32(o + 4, dataLen, true);
  o += 8;
  if (isFloat) {
    for (let i = 0; i < samples.length; i++, o += 4) v.setFloat32(o, samples[i]!, true);
  } else {
    for (let i = 0; i < samples.length; i++, o += 2) {
      const s = Math.round(samples[i]! * 32768);
      v.setInt16(o, s > 32767 ? 32767 : s < -32768 ? -32768 : s, true);
    }
  }
  return out;
}

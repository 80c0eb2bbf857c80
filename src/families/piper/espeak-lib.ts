// espeak-ng in process: the IPA of each clause from libespeak-ng itself (Debian `libespeak-ng1`, the library
// the espeak-ng program runs on, installed with it), called through koffi (a prebuilt FFI addon from npm)
// with espeak_TextToPhonemes — what piper-tts does through its own binding. The espeak-ng program also
// synthesises the audio of every clause just to print its phonemes (`-q` only silences it): 2–6 ms a
// sentence through the long-lived process of espeak.ts, against ~0.1 ms here (docs/performance-cpu.md §9).
// Both print the same translation (espeak-ng's GetTranslatedPhonemeString of each clause); a clause that
// the library cuts further is joined with spaces, as espeak.ts's one-off reads join the program's lines.
// Loaded on first use; where the addon or the library cannot be loaded, or the voice cannot be set,
// `espeakLibrary()` gives null and the caller runs the program (espeak.ts).
// The library keeps one global state (the voice): calls are synchronous, on the thread that loaded it.
import { createRequire } from 'node:module';

/** AUDIO_OUTPUT_SYNCHRONOUS, espeakINITIALIZE_DONT_EXIT (speak_lib.h): no audio device, no exit() on a missing data folder. */
const SYNCHRONOUS = 2;
const DONT_EXIT = 0x8000;
/** espeak_TextToPhonemes: textmode espeakCHARS_UTF8, phonememode espeakPHONEMES_IPA (as `--ipa` prints). */
const CHARS_UTF8 = 1;
const PHONEMES_IPA = 2;

export interface EspeakLibrary {
  /** The IPA of each clause ('' for one with nothing to say); null when the voice cannot be set (the program says why). */
  clauses(texts: string[], voice: string): string[] | null;
}

interface Koffi {
  load(name: string): { func(signature: string): (...args: unknown[]) => unknown };
  as(value: unknown, type: string): unknown;
}

let cached: EspeakLibrary | null | undefined;

/** The library's phonemizer, or null where it cannot run here (see the header). Loaded once. */
export function espeakLibrary(name = 'libespeak-ng.so.1'): EspeakLibrary | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const lib = koffi.load(name);
    const initialize = lib.func('int espeak_Initialize(int output, int buflength, const char *path, int options)');
    const setVoice = lib.func('int espeak_SetVoiceByName(const char *name)');
    const toPhonemes = lib.func('const char *espeak_TextToPhonemes(_Inout_ void **textptr, int textmode, int phonememode)');
    if ((initialize(SYNCHRONOUS, 0, null, DONT_EXIT) as number) <= 0) return null; // its data folder is missing
    let current = '';
    const clause = (text: string): string => {
      const bytes = Buffer.from(`${text.replace(/\s*\n\s*/g, ' ')}\0`, 'utf8');
      const ptr: unknown[] = [koffi.as(bytes, 'void *')];
      const parts: string[] = [];
      // each call translates one clause of the text and moves the pointer past it (null at the end)
      for (let i = 0; ptr[0] !== null && i <= text.length; i++) {
        const p = ((toPhonemes(ptr, CHARS_UTF8, PHONEMES_IPA) as string | null) ?? '').trim();
        if (p !== '') parts.push(p);
      }
      return parts.join(' ');
    };
    cached = {
      clauses(texts, voice) {
        if (voice !== current) {
          if (setVoice(voice) !== 0) return null;
          current = voice;
        }
        return texts.map(clause);
      },
    };
  } catch {
    cached = null; // no koffi build for this platform, or no libespeak-ng: the program runs instead
  }
  return cached;
}

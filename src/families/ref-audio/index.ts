// The reference-audio family: our EmotiVoice-style reference model (reference/emovoice_ref), whose
// speaker and style come from 3–10 s of a voice (--ref), with fixed emotion vectors (--emotion) or the
// emotion of another recording (--emotion-ref). Its graph is in its manifest (models/tiny/manifest.yaml).
import type { FamilyDef } from '../../pipeline/types.ts';
import { mixedFrontend } from './frontend.ts';
import { FORMAT_1, migrateFormat1 } from './migrate.ts';

export const refAudio: FamilyDef = {
  name: 'ref-audio',
  description: 'EmotiVoice-style reference model: style encoder over 3–10 s of a voice, FastSpeech2-style acoustic model, HiFi-GAN',
  frontends: [mixedFrontend],
  migrations: { [FORMAT_1]: migrateFormat1 },
  sampleText: 'The weather is lovely today, 我们去公园散步吧。',
};

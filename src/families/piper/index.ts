// The Piper/VITS family: a Piper voice split by `emovoice import piper` (reference/emovoice_ref/
// piper_import.py) into text_encoder (with the stochastic duration predictor), flow and vocoder. Its
// frontend is espeak-ng with Piper's id conventions; its host steps are the generic ones (`noise` for
// the duration predictor's and the flow's noise, `repeat` with ceil rounding for length regulation),
// declared in the manifest the importer writes.
import type { FamilyDef } from '../../pipeline/types.ts';
import { espeakPiperFrontend } from './frontend.ts';

export const piperVits: FamilyDef = {
  name: 'piper-vits',
  description: 'Piper (VITS) voice: text encoder + stochastic duration predictor, host length regulation, flow with host noise, HiFi-GAN',
  frontends: [espeakPiperFrontend],
  sampleText: 'The quick brown fox jumps over the lazy dog.',
};

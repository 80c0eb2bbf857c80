// The model families emovoice knows, one folder each (src/families/<name>/). Each registers its
// frontends, its own host steps and the older manifest formats it owns; the registry
// (src/pipeline/registry.ts) looks them up by name. Nothing else imports a family.
import type { FamilyDef } from '../pipeline/types.ts';
import { emotivoice } from './emotivoice/index.ts';
import { piperVits } from './piper/index.ts';
import { refAudio } from './ref-audio/index.ts';

export const FAMILIES: FamilyDef[] = [refAudio, emotivoice, piperVits];

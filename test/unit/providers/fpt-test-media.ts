// Test media for the FPT adapter and simulator tests, read once from the repo's fixtures.
import { readFileSync } from 'node:fs';
import type { PartName } from '../../../src/core/check';
import type { MediaFormat } from '../../../src/media/profiles';
import type { ProviderMedia } from '../../../src/providers/provider';
import { withScenarioMarker } from '../../../src/providers/simulator-kit';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/media/${name}`, import.meta.url)));

export const FACE_VIDEO = fixture('face_moving.mp4');
export const ID_PHOTO = fixture('id_astronaut_1024.jpg');

export function media(part: PartName, bytes: Uint8Array, container: MediaFormat): ProviderMedia {
  return { part, bytes, facts: { part, bytes: bytes.byteLength, container } };
}

/** The face video carrying `sim-scenario=<scenario>` (unmarked when scenario is undefined). */
export function video(scenario?: string): ProviderMedia {
  return media('video', scenario ? withScenarioMarker(FACE_VIDEO, 'mp4', scenario) : FACE_VIDEO, 'mp4');
}

export function reference(scenario?: string): ProviderMedia {
  return media('reference', scenario ? withScenarioMarker(ID_PHOTO, 'jpeg', scenario) : ID_PHOTO, 'jpeg');
}

export function selfie(scenario?: string): ProviderMedia {
  return media('selfie', scenario ? withScenarioMarker(ID_PHOTO, 'jpeg', scenario) : ID_PHOTO, 'jpeg');
}

// Real fixture bytes behind an in-memory RangeReader that counts what the inspector reads,
// independently of the inspector's own budget. Free of vitest so the bench can use it too.
import { readdirSync, readFileSync } from 'node:fs';
import type { RangeReader } from '../../../../src/media/inspect';
import { MB, type PartLimits } from '../../../../src/media/profiles';

const FIXTURE_DIR = new URL('../../../fixtures/media/', import.meta.url);

export const MAX_BYTES_READ = 256 * 1024;
export const MAX_REQUESTS = 3;

/** FPT defaults (README.md, "Providers"), restated so these tests do not move when an adapter changes. */
export const FPT_VIDEO: PartLimits = {
  kind: 'video',
  formats: ['mp4', 'mov', 'mkv', 'webm'],
  maxBytes: 10 * MB,
  minLongSide: 800,
  minShortSide: 600,
  minDurationSeconds: 5,
  maxDurationSeconds: 10,
};

export const FPT_IMAGE: PartLimits = {
  kind: 'image',
  formats: ['jpeg', 'png'],
  maxBytes: 5 * MB,
  minLongSide: 800,
  minShortSide: 600,
};

/** Every media fixture copied into the repo (the README describes them). */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((name) => !name.endsWith('.md'))
    .sort();
}

export const isImageName = (name: string): boolean => /\.(jpe?g|png)$/i.test(name);

export function loadFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURE_DIR)));
}

export interface CountingReader extends RangeReader {
  readonly bytesRead: number;
  readonly requests: number;
}

export function memoryReader(bytes: Uint8Array): CountingReader {
  let bytesRead = 0;
  let requests = 0;
  return {
    size: bytes.length,
    get bytesRead() {
      return bytesRead;
    },
    get requests() {
      return requests;
    },
    async read(start, endInclusive) {
      const slice = bytes.subarray(start, Math.min(endInclusive + 1, bytes.length));
      requests += 1;
      bytesRead += slice.length;
      return slice;
    },
  };
}

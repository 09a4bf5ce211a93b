// Deterministic fuzzing of the bytes the inspector actually reads (the first and last KiBs):
// bit flips, truncations, corrupted and huge size fields, inserted bytes. Each case must end in a
// result (never an exception), within the read budget, and within a measured time bound.
import { describe, expect, it } from 'vitest';
import { MEDIA_REASONS } from '../../../src/core/reasons';
import { inspectPart } from '../../../src/media/inspect';
import { FPT_IMAGE, FPT_VIDEO, loadFixture, MAX_BYTES_READ, MAX_REQUESTS, memoryReader } from './support/media-fixtures';
import { seededRandom } from './support/seeded-random';

const CASES_PER_FILE = 40;
const TIME_BOUND_MS = 200;
const EDGE = 4 * 1024;

const BASES = [
  'face_moving.mp4',
  'face_moving_faststart.mp4',
  'face_moving.mov',
  'chromium_fakecam_1280.mp4',
  'face_moving.mkv',
  'face_moving_vp8.webm',
  'chromium_fakecam_1280.webm',
  'id_astronaut_1024.jpg',
  'id_exif_orient6.jpg',
  'id_astronaut_512.png',
];

type Random = () => number;
type Mutation = (bytes: Uint8Array, random: Random) => Uint8Array;

const int = (random: Random, below: number): number => Math.floor(random() * below);

/** An offset in the first or the last EDGE bytes: where headers, moov and tails live. */
function edgeOffset(bytes: Uint8Array, random: Random): number {
  const span = Math.min(EDGE, bytes.length);
  return random() < 0.5 ? int(random, span) : bytes.length - 1 - int(random, span);
}

const MUTATIONS: Readonly<Record<string, Mutation>> = {
  bitFlips: (bytes, random) => {
    const out = bytes.slice();
    for (let n = 1 + int(random, 16); n > 0; n -= 1) {
      const at = edgeOffset(out, random);
      out[at] = (out[at] ?? 0) ^ (1 << int(random, 8));
    }
    return out;
  },
  truncation: (bytes, random) => {
    const at = random() < 0.3 ? int(random, Math.min(EDGE, bytes.length)) : edgeOffset(bytes, random);
    return bytes.slice(0, at);
  },
  sizeField: (bytes, random) => {
    const out = bytes.slice();
    const at = Math.max(0, Math.min(out.length - 4, edgeOffset(out, random)));
    const values = [0, 1, 7, 8, 0xffffffff, 0x7fffffff, int(random, 2 ** 32), int(random, 4096)];
    new DataView(out.buffer).setUint32(at, values[int(random, values.length)] ?? 0);
    return out;
  },
  hugeSize: (bytes, random) => {
    const out = bytes.slice();
    const at = Math.max(0, Math.min(out.length - 16, edgeOffset(out, random)));
    // An EBML 8-byte size just under "unknown", or an mp4 64-bit largesize far beyond the file.
    const huge =
      random() < 0.5
        ? [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]
        : [0, 0, 0, 1, 0x66, 0x72, 0x65, 0x65, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    out.set(huge, at);
    return out;
  },
  insertion: (bytes, random) => {
    const at = int(random, Math.min(EDGE, bytes.length));
    const inserted = new Uint8Array(1 + int(random, 64)).map(() => int(random, 256));
    const out = new Uint8Array(bytes.length + inserted.length);
    out.set(bytes.subarray(0, at));
    out.set(inserted, at);
    out.set(bytes.subarray(at), at + inserted.length);
    return out;
  },
};

const MUTATION_NAMES = Object.keys(MUTATIONS);
const KNOWN_CODES = new Set<string>(MEDIA_REASONS);

describe('inspectPart under fuzzed input', () => {
  it.each(BASES)('never throws, stays in budget and finishes within the time bound on mutations of %s', async (name) => {
    const source = loadFixture(name);
    const limits = /\.(jpg|png)$/.test(name) ? FPT_IMAGE : FPT_VIDEO;
    const random = seededRandom([...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 17));
    let slowest = 0;

    for (let n = 0; n < CASES_PER_FILE; n += 1) {
      const kind = MUTATION_NAMES[n % MUTATION_NAMES.length] ?? 'bitFlips';
      const mutate = MUTATIONS[kind];
      if (!mutate) throw new Error(kind);
      const bytes = mutate(source, random);
      const reader = memoryReader(bytes);

      const started = performance.now();
      const inspection = await inspectPart('video', reader, limits);
      const elapsed = performance.now() - started;

      slowest = Math.max(slowest, elapsed);
      const label = `${name} case ${n} (${kind})`;
      expect(elapsed, label).toBeLessThan(TIME_BOUND_MS);
      expect(reader.bytesRead, label).toBeLessThanOrEqual(MAX_BYTES_READ);
      expect(reader.requests, label).toBeLessThanOrEqual(MAX_REQUESTS);
      if (inspection.problem) expect(KNOWN_CODES.has(inspection.problem.code), label).toBe(true);
      expect(inspection.facts.bytes).toBe(bytes.length);
    }
    expect(slowest).toBeLessThan(TIME_BOUND_MS);
  });
});

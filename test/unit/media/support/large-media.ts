// ~9 MB versions of the fixtures in every container, built from the real files without ffmpeg.
// Padding goes where a muxer may legally put it and where no stored offset has to move:
// mp4/mov grow their mdat after the samples (chunk offsets stay valid) or gain a free box
// before the moov; mkv/webm gain an EBML Void element (Segment size patched), and a Chrome
// recording, which has no SeekHead or Cues to patch, gets it before its first Cluster.
import { loadFixture } from './media-fixtures';

export const LARGE_SIZE = 9 * 1024 * 1024;

const u32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function topLevelBox(bytes: Uint8Array, type: string): { start: number; size: number } {
  for (let pos = 0; pos + 8 <= bytes.length;) {
    const size = u32(bytes, pos);
    if (String.fromCharCode(...bytes.subarray(pos + 4, pos + 8)) === type) return { start: pos, size };
    if (size < 8) break;
    pos += size;
  }
  throw new Error(`no top-level ${type} box`);
}

/** Grows the mdat by `extra` bytes appended after its samples. */
export function padMdat(source: Uint8Array, targetSize = LARGE_SIZE): Uint8Array {
  const mdat = topLevelBox(source, 'mdat');
  const extra = targetSize - source.length;
  const end = mdat.start + mdat.size;
  const out = concat(source.subarray(0, end), new Uint8Array(extra), source.subarray(end));
  new DataView(out.buffer).setUint32(mdat.start, mdat.size + extra);
  return out;
}

/** Inserts a free box of the missing size just before the moov (moov-at-end files). */
export function freeBeforeMoov(source: Uint8Array, targetSize = LARGE_SIZE): Uint8Array {
  const moov = topLevelBox(source, 'moov');
  const free = new Uint8Array(targetSize - source.length);
  new DataView(free.buffer).setUint32(0, free.length);
  free.set([0x66, 0x72, 0x65, 0x65], 4);
  return concat(source.subarray(0, moov.start), free, source.subarray(moov.start));
}

/** An EBML Void element of exactly `total` bytes (1-byte ID, 8-byte size). */
function voidElement(total: number): Uint8Array {
  const element = new Uint8Array(total);
  element[0] = 0xec;
  element[1] = 0x01;
  let size = total - 9;
  for (let i = 8; i >= 2; i -= 1) {
    element[i] = size % 256;
    size = Math.floor(size / 256);
  }
  return element;
}

/** Segment header position; the fixtures' Segment sizes are 8-byte vints (ffmpeg and Chrome both). */
function segmentAt(bytes: Uint8Array): { start: number; dataStart: number; unknownSize: boolean } {
  for (let i = 4; i + 12 <= bytes.length && i < 256; i += 1) {
    if (bytes[i] === 0x18 && bytes[i + 1] === 0x53 && bytes[i + 2] === 0x80 && bytes[i + 3] === 0x67) {
      if (bytes[i + 4] !== 0x01) throw new Error('fixture Segment size is not an 8-byte vint');
      return { start: i, dataStart: i + 12, unknownSize: bytes.subarray(i + 5, i + 12).every((b) => b === 0xff) };
    }
  }
  throw new Error('no Segment');
}

/** Appends a Void at the end of a known-size Segment and grows the Segment's size to match. */
export function voidAtSegmentEnd(source: Uint8Array, targetSize = LARGE_SIZE): Uint8Array {
  const segment = segmentAt(source);
  if (segment.unknownSize) throw new Error('segment of unknown size');
  const out = concat(source, voidElement(targetSize - source.length));
  let size = out.length - segment.dataStart;
  for (let i = segment.start + 11; i > segment.start + 4; i -= 1) {
    out[i] = size % 256;
    size = Math.floor(size / 256);
  }
  return out;
}

/** Inserts a Void just before the first Cluster (Chrome recordings: nothing stores positions). */
export function voidBeforeFirstCluster(source: Uint8Array, targetSize = LARGE_SIZE): Uint8Array {
  const segment = segmentAt(source);
  if (!segment.unknownSize) throw new Error('only for unknown-size segments');
  let cluster = -1;
  for (let i = segment.dataStart; i + 4 <= source.length; i += 1) {
    if (source[i] === 0x1f && source[i + 1] === 0x43 && source[i + 2] === 0xb6 && source[i + 3] === 0x75) {
      cluster = i;
      break;
    }
  }
  if (cluster < 0) throw new Error('no Cluster');
  return concat(source.subarray(0, cluster), voidElement(targetSize - source.length), source.subarray(cluster));
}

export interface LargeMedia {
  readonly name: string;
  readonly source: string;
  readonly build: () => Uint8Array;
  readonly expected: { container: string; codec: string; width: number; height: number; durationSeconds: number };
}

const H264_720P = { codec: 'h264', width: 1280, height: 720 };

export const LARGE_MEDIA: readonly LargeMedia[] = [
  {
    name: 'large_moov_at_end.mp4',
    source: 'face_moving.mp4',
    build: () => padMdat(loadFixture('face_moving.mp4')),
    expected: { container: 'mp4', ...H264_720P, durationSeconds: 6 },
  },
  {
    name: 'large_free_before_moov.mp4',
    source: 'face_moving.mp4',
    build: () => freeBeforeMoov(loadFixture('face_moving.mp4')),
    expected: { container: 'mp4', ...H264_720P, durationSeconds: 6 },
  },
  {
    name: 'large_faststart.mp4',
    source: 'face_moving_faststart.mp4',
    build: () => padMdat(loadFixture('face_moving_faststart.mp4')),
    expected: { container: 'mp4', ...H264_720P, durationSeconds: 6 },
  },
  {
    name: 'large_fragmented_chromium.mp4',
    source: 'chromium_fakecam_1280.mp4',
    build: () => padMdat(loadFixture('chromium_fakecam_1280.mp4')),
    expected: { container: 'mp4', ...H264_720P, durationSeconds: 5.931 },
  },
  {
    name: 'large.mov',
    source: 'face_moving.mov',
    build: () => padMdat(loadFixture('face_moving.mov')),
    expected: { container: 'mov', ...H264_720P, durationSeconds: 6 },
  },
  {
    name: 'large.mkv',
    source: 'face_moving.mkv',
    build: () => voidAtSegmentEnd(loadFixture('face_moving.mkv')),
    expected: { container: 'mkv', ...H264_720P, durationSeconds: 6 },
  },
  {
    name: 'large_vp9.webm',
    source: 'face_moving_vp9.webm',
    build: () => voidAtSegmentEnd(loadFixture('face_moving_vp9.webm')),
    expected: { container: 'webm', codec: 'vp9', width: 1280, height: 720, durationSeconds: 6 },
  },
  {
    name: 'large_chromium.webm',
    source: 'chromium_fakecam_1280.webm',
    build: () => voidBeforeFirstCluster(loadFixture('chromium_fakecam_1280.webm')),
    expected: { container: 'webm', codec: 'vp9', width: 1280, height: 720, durationSeconds: 5.96 },
  },
];

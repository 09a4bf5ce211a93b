// Broken, forged and hostile uploads: each ends as a refusal with the truthful reason, never an
// exception, and never reads past the budget (asserted inside inspectBytes).
import { describe, expect, it } from 'vitest';
import { inspectPart, type RangeReader } from '../../../src/media/inspect';
import { ascii, pngWithHeader, u16, u32 } from './support/forged-media';
import { inspectBytes } from './support/inspect-bytes';
import { FPT_IMAGE, FPT_VIDEO, loadFixture, MAX_BYTES_READ, MAX_REQUESTS, memoryReader } from './support/media-fixtures';
import { seededRandom } from './support/seeded-random';

function box(type: string, body: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  out.set([...u32(out.length), ...ascii(type)]);
  out.set(body, 8);
  return out;
}
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

function jpegWithFrame(width: number, height: number): Uint8Array {
  const sof = [0xff, 0xc0, ...u16(11), 8, ...u16(height), ...u16(width), 1, 1, 0x11, 0];
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xe0,
    ...u16(16),
    ...ascii('JFIF\0'),
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    ...sof,
    0xff,
    0xda,
    ...u16(8),
    1,
    1,
    0,
    0,
    0x3f,
    0,
    1,
    2,
    3,
    0xff,
    0xd9,
  ]);
}

/** Offset of the first occurrence of an ASCII four-character code. */
function find(bytes: Uint8Array, code: string, from = 0): number {
  const needle = ascii(code);
  for (let i = from; i + 4 <= bytes.length; i += 1) if (needle.every((c, k) => bytes[i + k] === c)) return i;
  throw new Error(`no ${code}`);
}

describe('inspectPart refuses empty and unrecognisable files', () => {
  it('refuses a zero-byte file as corrupt without reading it', async () => {
    const { inspection, reader } = await inspectBytes(new Uint8Array(0), FPT_VIDEO);

    expect(inspection.problem).toEqual({ code: 'MEDIA_CORRUPT', message: 'video: the file is empty (0 bytes)' });
    expect(inspection.facts).toMatchObject({ part: 'video', bytes: 0 });
    expect(reader.requests).toBe(0);
  });

  it('refuses random bytes as an unsupported format', async () => {
    const random = seededRandom(7);
    const bytes = new Uint8Array(300_000).map(() => Math.floor(random() * 256));

    const { inspection, reader } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem).toEqual({
      code: 'UNSUPPORTED_FORMAT',
      message: 'video: unrecognised content, expected mp4, mov, mkv, webm',
    });
    expect(reader.requests).toBe(1);
  });
});

describe('inspectPart refuses truncated media as corrupt', () => {
  it.each([300_000, 433_500, 436_463, 41])('face_moving.mp4 cut to %i bytes', async (length) => {
    const { inspection } = await inspectBytes(loadFixture('face_moving.mp4').subarray(0, length), FPT_VIDEO);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
    expect(inspection.problem?.message).toMatch(/^video: mp4: .*(truncated|past the end|stray bytes)/);
    expect(inspection.facts.container).toBe('mp4');
  });

  it.each([
    ['face_moving_faststart.mp4', 400_000],
    ['face_moving.mov', 436_000],
    ['face_moving.mkv', 400_000],
    ['face_moving_vp9.webm', 954_000],
    ['chromium_fakecam_1280.webm', 612_000],
    ['chromium_fakecam_1280.webm', 300_000],
    ['chromium_fakecam_1280.mp4', 278_000],
  ])('%s cut to %i bytes', async (name, length) => {
    const { inspection } = await inspectBytes(loadFixture(name).subarray(0, length), FPT_VIDEO);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
  });

  it('refuses a JPEG without its end-of-image marker', async () => {
    const bytes = loadFixture('id_astronaut_1024.jpg');

    const { inspection } = await inspectBytes(bytes.subarray(0, bytes.length - 5000), FPT_IMAGE);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
    expect(inspection.problem?.message).toMatch(/end-of-image/);
    expect(inspection.facts).toMatchObject({ width: 1024, height: 1024 });
  });

  it('refuses a PNG without its IEND chunk', async () => {
    const bytes = loadFixture('id_astronaut_512.png');

    const { inspection } = await inspectBytes(bytes.subarray(0, 500_000), FPT_IMAGE);

    expect(inspection.problem).toEqual({
      code: 'MEDIA_CORRUPT',
      message: 'selfie: png: the file does not end with an IEND chunk (truncated)',
    });
  });
});

describe('inspectPart refuses forged image headers without decoding them', () => {
  it('refuses a PNG claiming 100000x100000 as a decompression bomb', async () => {
    const { inspection } = await inspectBytes(pngWithHeader(100_000, 100_000), FPT_IMAGE, { contentType: 'image/png' });

    expect(inspection.problem?.code).toBe('UNSUPPORTED_FORMAT');
    expect(inspection.problem?.message).toContain('100000x100000');
    expect(inspection.problem?.message).toContain('decoding limit');
    expect(inspection.facts).toMatchObject({ container: 'png', width: 100_000, height: 100_000 });
  });

  it('refuses a JPEG frame header claiming 65000x65000', async () => {
    const { inspection } = await inspectBytes(jpegWithFrame(65_000, 65_000), FPT_IMAGE);

    expect(inspection.problem?.code).toBe('UNSUPPORTED_FORMAT');
    expect(inspection.problem?.message).toContain('65000x65000');
  });

  it('refuses 15000x15000 (within the side limit, over 100 megapixels)', async () => {
    const { inspection } = await inspectBytes(pngWithHeader(15_000, 15_000), FPT_IMAGE);

    expect(inspection.problem?.message).toMatch(/225 megapixels/);
  });

  it('passes a well-formed small forged PNG of a legal size, proving the forgery helper itself is valid', async () => {
    const { inspection } = await inspectBytes(pngWithHeader(1000, 800), FPT_IMAGE);

    expect(inspection.problem).toBeUndefined();
    expect(inspection.facts).toMatchObject({ width: 1000, height: 800 });
  });

  it('refuses a PNG whose IHDR fails its CRC', async () => {
    const bytes = pngWithHeader(1000, 800);
    bytes[29] = (bytes[29] ?? 0) ^ 0xff;

    const { inspection } = await inspectBytes(bytes, FPT_IMAGE);

    expect(inspection.problem).toEqual({ code: 'MEDIA_CORRUPT', message: 'selfie: png: IHDR chunk fails its CRC check' });
  });

  it('refuses a JPEG whose image data starts before any frame header', async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 8, 1, 2, 3, 4, 5, 6, 0xff, 0xd9]);

    const { inspection } = await inspectBytes(bytes, FPT_IMAGE);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
  });
});

describe('inspectPart refuses hostile ISO-BMFF structures', () => {
  const ftyp = box('ftyp', [...ascii('isom'), 0, 0, 2, 0, ...ascii('isommp41')]);

  it.each([
    ['a 4 GiB box after ftyp', concat(ftyp, new Uint8Array([...u32(0xffffffff), ...ascii('mdat')]), new Uint8Array(1000))],
    [
      'a 64-bit size of 2^60',
      concat(ftyp, new Uint8Array([...u32(1), ...ascii('mdat'), 0x10, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array(1000)),
    ],
    ['a box smaller than its header', concat(ftyp, new Uint8Array([...u32(4), ...ascii('free')]), new Uint8Array(1000))],
    ['a box type of control bytes', concat(ftyp, new Uint8Array([...u32(16), 1, 2, 3, 4]), new Uint8Array(8))],
    ['no moov at all', concat(ftyp, box('mdat', new Uint8Array(5000)))],
  ])('refuses %s as corrupt', async (_label, bytes) => {
    const { inspection } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
  });

  it('refuses a layout that would need more reads than the budget', async () => {
    const spread = Array.from({ length: 40 }, () => box('free', new Uint8Array(100_000)));
    const source = loadFixture('face_moving_faststart.mp4');
    const bytes = concat(ftyp, ...spread, source.subarray(32));

    const { inspection, reader } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('UNSUPPORTED_FORMAT');
    expect(inspection.problem?.message).toContain('within 3 reads of 256 KiB');
    expect(reader.requests).toBe(3);
  });

  it('refuses an mp4 with no video track', async () => {
    const bytes = loadFixture('face_moving_audio.mp4').slice();
    bytes.set(ascii('xxxx'), find(bytes, 'vide'));

    const { inspection } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('UNSUPPORTED_FORMAT');
    expect(inspection.problem?.message).toContain('no video track');
  });
});

describe('inspectPart on fragmented mp4 without a header duration', () => {
  /** chromium_fakecam_1280.mp4 with every header duration zeroed, as some recorders write it. */
  function withoutHeaderDurations(): Uint8Array {
    const bytes = loadFixture('chromium_fakecam_1280.mp4').slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(find(bytes, 'mvhd') + 4 + 28, 0); // version 1: low word of the 64-bit duration
    view.setUint32(find(bytes, 'tkhd') + 4 + 32, 0);
    view.setUint32(find(bytes, 'mdhd') + 4 + 28, 0);
    return bytes;
  }

  it('times it from the fragments (tfdt + trun sample durations)', async () => {
    const { inspection } = await inspectBytes(withoutHeaderDurations(), FPT_VIDEO);

    expect(inspection.problem).toBeUndefined();
    expect(inspection.facts.durationSeconds).toBeCloseTo(5.93, 1);
  });

  /** The moov, a 1 MB gap, then `count` small fragments whose decode times step by `stepSeconds`. */
  function manyFragments(count: number, stepSeconds: number): Uint8Array {
    const source = withoutHeaderDurations();
    const moof = find(source, 'moof') - 4;
    const mdat = find(source, 'mdat') - 4;
    const fragments = Array.from({ length: count }, (_, k) => {
      const fragment = source.slice(moof, mdat);
      new DataView(fragment.buffer).setUint32(find(fragment, 'tfdt') + 12, k * stepSeconds * 15_000); // timescale 15000
      return concat(fragment, box('mdat', new Uint8Array(2000)));
    });
    return concat(source.subarray(0, moof), box('free', new Uint8Array(1_000_000)), ...fragments);
  }

  it('resynchronises on the fragments in the tail and reports a lower-bound duration', async () => {
    const { inspection, reader } = await inspectBytes(manyFragments(40, 0), FPT_VIDEO);

    expect(inspection.problem).toBeUndefined();
    expect(inspection.facts.durationSeconds).toBeCloseTo(5.93, 1);
    expect(inspection.notes?.join(' ')).toMatch(/lower bound/);
    expect(reader.requests).toBe(2);
  });

  it('refuses as too long when even the lower bound from the last fragment is over the maximum', async () => {
    const { inspection } = await inspectBytes(manyFragments(40, 1), FPT_VIDEO);

    expect(inspection.problem?.code).toBe('VIDEO_TOO_LONG');
    expect(inspection.problem?.message).toMatch(/^video: at least 44\.9 s, maximum 10 s$/);
  });

  it('passes with a note when the tail lies inside one last fragment and no mfra closes the file', async () => {
    const source = withoutHeaderDurations();
    const moof = find(source, 'moof') - 4;
    const mfra = find(source, 'mfra') - 4;
    const bytes = concat(source.subarray(0, moof), box('free', new Uint8Array(1_000_000)), source.subarray(moof, mfra));

    const { inspection } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem).toBeUndefined();
    expect(inspection.notes?.join(' ')).toMatch(/could not be verified/);
    expect(inspection.notes?.join(' ')).toMatch(/duration not measured/);
  });
});

describe('inspectPart refuses hostile Matroska structures', () => {
  it('refuses an EBML DocType that is neither webm nor matroska', async () => {
    const bytes = loadFixture('face_moving_vp8.webm').slice();
    bytes.set(ascii('wxbm'), find(bytes, 'webm'));

    const { inspection } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('UNSUPPORTED_FORMAT');
    expect(inspection.problem?.message).toContain('wxbm');
  });

  it('refuses a Segment claiming more bytes than the file has', async () => {
    const bytes = loadFixture('face_moving.mkv').slice();
    bytes[45] = 0x7f; // Segment size (8-byte vint at 44) now far beyond the file

    const { inspection } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
    expect(inspection.problem?.message).toContain('Segment runs');
  });

  it('refuses a Chrome recording whose tail is garbage', async () => {
    const bytes = loadFixture('chromium_fakecam_1280.webm').slice();
    const random = seededRandom(11);
    for (let i = bytes.length - 200_000; i < bytes.length; i += 1) bytes[i] = Math.floor(random() * 256);

    const { inspection } = await inspectBytes(bytes, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
  });
});

describe('inspectPart and its reader', () => {
  it('rethrows a failing reader so the caller can retry instead of blaming the upload', async () => {
    const failure = new Error('S3 503 SlowDown');
    let calls = 0;
    const reader: RangeReader = {
      size: 1000,
      read: () => {
        calls += 1;
        return Promise.reject(failure);
      },
    };

    await expect(inspectPart('video', reader, FPT_VIDEO)).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('refuses an object that returns fewer bytes than its declared size', async () => {
    const bytes = loadFixture('face_moving.mp4');
    const inner = memoryReader(bytes);
    const reader: RangeReader = { size: bytes.length + 100_000, read: (start, end) => inner.read(start, end) };

    const inspection = await inspectPart('video', reader, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('MEDIA_CORRUPT');
    expect(inner.requests).toBeLessThanOrEqual(MAX_REQUESTS);
    expect(inner.bytesRead).toBeLessThanOrEqual(MAX_BYTES_READ);
  });

  it('reads a 2 GiB object within the budget and refuses it as too large', async () => {
    const head = memoryReader(loadFixture('face_moving_faststart.mp4'));
    let requests = 0;
    let bytesRead = 0;
    const huge: RangeReader = {
      size: 2 ** 31,
      read: async (start, end) => {
        requests += 1;
        bytesRead += end - start + 1;
        return start < head.size ? head.read(start, end) : new Uint8Array(end - start + 1);
      },
    };

    const inspection = await inspectPart('video', huge, FPT_VIDEO);

    expect(inspection.problem?.code).toBe('MEDIA_TOO_LARGE');
    expect(requests).toBeLessThanOrEqual(MAX_REQUESTS);
    expect(bytesRead).toBeLessThanOrEqual(MAX_BYTES_READ);
  });
});

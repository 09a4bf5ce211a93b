// Magic-byte detection, declared Content-Type agreement, and the read budget itself.
import { describe, expect, it } from 'vitest';
import { ReadBudgetError } from '../../../src/media/errors';
import { checkDeclaredType } from '../../../src/media/format';
import { detectFormat } from '../../../src/media/inspect';
import { BudgetedReader } from '../../../src/media/reader';
import { loadFixture, memoryReader } from './support/media-fixtures';

describe('detectFormat', () => {
  it.each([
    ['face_moving.mp4', 'mp4'],
    ['face_moving.mov', 'mov'],
    ['face_moving.mkv', 'mkv'],
    ['face_moving_vp8.webm', 'webm'],
    ['chromium_fakecam_1280.webm', 'webm'],
    ['chromium_fakecam_1280.mp4', 'mp4'],
    ['id_astronaut_1024.jpg', 'jpeg'],
    ['id_astronaut_512.png', 'png'],
  ])('detects %s as %s from its first bytes', (name, format) => {
    expect(detectFormat(loadFixture(name).subarray(0, 64))).toBe(format);
  });

  it('detects nothing in text or in too few bytes', () => {
    expect(detectFormat(new TextEncoder().encode('<html><body>not a video</body></html>'))).toBeUndefined();
    expect(detectFormat(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
  });
});

describe('checkDeclaredType', () => {
  it.each([
    ['video/mp4', 'mp4', true],
    ['video/mp4; codecs="avc1.42E01E"', 'mp4', true],
    ['video/webm;codecs=vp9', 'webm', true],
    ['video/x-matroska', 'webm', true],
    ['video/webm', 'mkv', false],
    ['video/quicktime', 'mov', true],
    ['video/mp4', 'mov', false],
    ['image/jpeg', 'png', false],
    ['IMAGE/PNG', 'png', true],
    ['application/octet-stream', 'png', true],
    ['text/plain', 'jpeg', false],
  ] as const)('%s with %s content is accepted: %s', (contentType, format, ok) => {
    expect(checkDeclaredType(contentType, format).ok).toBe(ok);
  });
});

describe('BudgetedReader', () => {
  it('refuses a fourth request and any read past the byte budget, without calling the object', async () => {
    const inner = memoryReader(new Uint8Array(1_000_000));
    const reader = new BudgetedReader(inner);

    await reader.read(0, 1000);
    await expect(reader.read(0, 256 * 1024)).rejects.toBeInstanceOf(ReadBudgetError);
    await reader.read(1000, 1000);
    await reader.read(2000, 1000);
    await expect(reader.read(3000, 10)).rejects.toBeInstanceOf(ReadBudgetError);

    expect(inner.requests).toBe(3);
    expect(reader.stats).toEqual({ bytes: 3000, requests: 3 });
  });

  it('counts concurrent reads before they complete, so they cannot overshoot together', async () => {
    const reader = new BudgetedReader(memoryReader(new Uint8Array(1_000_000)));

    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => reader.read(i * 100_000, 100_000)));

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(reader.stats.bytes).toBeLessThanOrEqual(256 * 1024);
  });
});

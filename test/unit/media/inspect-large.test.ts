// ~9 MB files in every container, generated from the fixtures: still valid, same facts, and
// still inspected within the read budget (asserted inside inspectBytes), whatever their size.
import { describe, expect, it } from 'vitest';
import { LARGE_MEDIA, LARGE_SIZE } from './support/large-media';
import { inspectBytes } from './support/inspect-bytes';
import { FPT_VIDEO } from './support/media-fixtures';

describe('inspectPart on generated 9 MB videos', () => {
  it.each(LARGE_MEDIA.map((media) => [media.name, media] as const))(
    'passes %s with the facts of its source',
    async (_name, media) => {
      const bytes = media.build();

      const { inspection } = await inspectBytes(bytes, FPT_VIDEO);

      expect(bytes.length).toBe(LARGE_SIZE);
      expect(inspection.problem).toBeUndefined();
      const { durationSeconds, ...exact } = media.expected;
      expect(inspection.facts).toMatchObject({ ...exact, bytes: LARGE_SIZE });
      expect(inspection.facts.durationSeconds).toBeCloseTo(durationSeconds, 1);
    },
  );

  it('needs a third read only when a box header sits in the middle of the file', async () => {
    const byName = new Map(LARGE_MEDIA.map((m) => [m.name, m]));
    const requests = async (name: string): Promise<number> => {
      const media = byName.get(name);
      if (!media) throw new Error(name);
      return (await inspectBytes(media.build(), FPT_VIDEO)).reader.requests;
    };

    expect(await requests('large_faststart.mp4')).toBe(1);
    expect(await requests('large_moov_at_end.mp4')).toBe(2);
    expect(await requests('large_free_before_moov.mp4')).toBe(3);
  });

  it('refuses a 9 MB file against a smaller byte limit while still measuring it', async () => {
    const media = LARGE_MEDIA[0];
    if (!media) throw new Error('no large media');

    const { inspection } = await inspectBytes(media.build(), { ...FPT_VIDEO, maxBytes: 5 * 1024 * 1024 });

    expect(inspection.problem).toEqual({ code: 'MEDIA_TOO_LARGE', message: `video: ${LARGE_SIZE} bytes, maximum 5242880 bytes` });
    expect(inspection.facts).toMatchObject({ width: 1280, height: 720, durationSeconds: 6 });
  });
});

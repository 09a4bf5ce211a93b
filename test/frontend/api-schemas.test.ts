// The response schemas are what the client validates with and what the OpenAPI document is made
// of; the use cases' return types are inferred from them, so the three cannot drift. What is left
// to test is what the schemas accept.
import { describe, expect, it } from 'vitest';
import {
  checkResultViewSchema,
  checkStatusViewSchema,
  createCheckRequestSchema,
  createCheckResponseSchema,
} from '../../src/core/api-schemas';

describe('response schemas', () => {
  it('refuse an unknown status and strip fields they do not name', () => {
    const base = { checkId: '6f1c8a43-3c1b-4d55-9d0e-0e6f2b8f3a11', updatedAt: '2025-01-01T00:00:00.000Z' };
    expect(checkStatusViewSchema.safeParse({ ...base, status: 'DONE' }).success).toBe(false);
    expect(checkStatusViewSchema.parse({ ...base, status: 'PROCESSING', score: 0.9 })).not.toHaveProperty('score');
    expect(createCheckResponseSchema.safeParse({}).success).toBe(false);
    expect(checkResultViewSchema.safeParse({ ...base, status: 'COMPLETED' }).success).toBe(false);
  });
});

describe('create request schema', () => {
  it('takes an externalRef of printable text up to 128 characters, unicode included', () => {
    expect(createCheckRequestSchema.safeParse({ externalRef: 'applicant-42' }).success).toBe(true);
    expect(createCheckRequestSchema.safeParse({ externalRef: 'Nguyễn Văn A / 42' }).success).toBe(true);
    expect(createCheckRequestSchema.safeParse({ externalRef: 'x'.repeat(128) }).success).toBe(true);
    expect(createCheckRequestSchema.safeParse({ externalRef: 'x'.repeat(129) }).success).toBe(false);
  });

  it.each([['line\nbreak'], ['tab\there'], ['nul\u0000'], ['esc\u001b[31m'], ['del\u007f'], ['c1\u0085']])(
    'refuses an externalRef with a control character (%j)',
    (externalRef) => {
      const parsed = createCheckRequestSchema.safeParse({ externalRef });
      expect(parsed.error?.issues[0]?.message).toBe('must not contain control characters');
    },
  );
});

// The response schemas are what the client validates with and what the OpenAPI document is made
// of; they must describe exactly what the use cases return, or one of the three drifts.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  checkResultViewSchema,
  checkStatusViewSchema,
  createCheckResponseSchema,
  type CheckResultResponse,
  type CheckStatusResponse,
  type CreateCheckResponse,
  type ErasureReceiptResponse,
} from '../../src/core/api-schemas';
import type { CreatedCheck } from '../../src/core/use-cases/create-check';
import type { ErasureReceipt } from '../../src/core/use-cases/erase-check';
import type { CheckResultView, CheckStatusView } from '../../src/core/use-cases/read-check';

/** The use cases return readonly views; zod infers mutable ones. Compare the shapes, not the modifier. */
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

describe('response schemas and use-case return types', () => {
  it('accept every value the use cases can return (type level)', () => {
    expectTypeOf<CreatedCheck>().toExtend<DeepReadonly<CreateCheckResponse>>();
    expectTypeOf<CheckStatusView>().toExtend<DeepReadonly<CheckStatusResponse>>();
    expectTypeOf<CheckResultView>().toExtend<DeepReadonly<CheckResultResponse>>();
    expectTypeOf<ErasureReceipt>().toExtend<DeepReadonly<ErasureReceiptResponse>>();
  });

  it('name the same fields as the use cases (a field added to a view must be added to its schema)', () => {
    expectTypeOf<keyof CreateCheckResponse>().toEqualTypeOf<keyof CreatedCheck>();
    expectTypeOf<keyof CheckStatusResponse>().toEqualTypeOf<keyof CheckStatusView>();
    expectTypeOf<keyof CheckResultResponse>().toEqualTypeOf<keyof CheckResultView>();
    expectTypeOf<keyof CheckResultResponse['timings']>().toEqualTypeOf<keyof CheckResultView['timings']>();
    expectTypeOf<keyof ErasureReceiptResponse>().toEqualTypeOf<keyof ErasureReceipt>();
    expectTypeOf<keyof ErasureReceiptResponse['deleted']>().toEqualTypeOf<keyof ErasureReceipt['deleted']>();
  });

  it('promise no more than the use cases return (type level)', () => {
    expectTypeOf<CreateCheckResponse>().toExtend<CreatedCheck>();
    expectTypeOf<CheckStatusResponse>().toExtend<CheckStatusView>();
    expectTypeOf<CheckResultResponse>().toExtend<CheckResultView>();
    expectTypeOf<ErasureReceiptResponse>().toExtend<ErasureReceipt>();
  });

  it('refuse an unknown status and strip fields they do not name', () => {
    const base = { checkId: '6f1c8a43-3c1b-4d55-9d0e-0e6f2b8f3a11', updatedAt: '2025-01-01T00:00:00.000Z' };
    expect(checkStatusViewSchema.safeParse({ ...base, status: 'DONE' }).success).toBe(false);
    expect(checkStatusViewSchema.parse({ ...base, status: 'PROCESSING', score: 0.9 })).not.toHaveProperty('score');
    expect(createCheckResponseSchema.safeParse({}).success).toBe(false);
    expect(checkResultViewSchema.safeParse({ ...base, status: 'COMPLETED' }).success).toBe(false);
  });
});

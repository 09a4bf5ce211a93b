// Every inspection in the tests goes through here, so every test holds the read budget.
import { expect } from 'vitest';
import type { PartName } from '../../../../src/core/check';
import { inspectPart, type InspectOptions, type Inspection } from '../../../../src/media/inspect';
import type { PartLimits } from '../../../../src/media/profiles';
import { MAX_BYTES_READ, MAX_REQUESTS, memoryReader, type CountingReader } from './media-fixtures';

export interface Inspected {
  readonly inspection: Inspection;
  readonly reader: CountingReader;
}

/** Inspects bytes and asserts the read budget held, whatever the outcome. */
export async function inspectBytes(
  bytes: Uint8Array,
  limits: PartLimits,
  options: InspectOptions = {},
  part: PartName = limits.kind === 'video' ? 'video' : 'selfie',
): Promise<Inspected> {
  const reader = memoryReader(bytes);
  const inspection = await inspectPart(part, reader, limits, options);
  expect(reader.bytesRead).toBeLessThanOrEqual(MAX_BYTES_READ);
  expect(reader.requests).toBeLessThanOrEqual(MAX_REQUESTS);
  return { inspection, reader };
}

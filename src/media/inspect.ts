// Media checks before any provider is paid. Reads through ranged requests only, within a hard
// budget per file (READ_BUDGET), whatever the file claims about itself: a head read, a tail read
// when the container needs one, rarely a third targeted read.
import type { MediaFacts, PartName } from '../core/check';
import { reason, type Reason } from '../core/reasons';
import { MediaRefusalError, RangeReadError, ReadBudgetError } from './errors';
import { checkDeclaredType, detectFormat } from './format';
import { parseIsoBmff } from './isobmff';
import { JPEG_TAIL_BYTES, parseJpeg } from './jpeg';
import { parseMatroska } from './matroska';
import { newMeasured, type Measured } from './measured';
import { parsePng } from './png';
import type { MediaFormat, PartLimits } from './profiles';
import { BudgetedReader, READ_BUDGET, type RangeReader, type ReadStats } from './reader';
import { checkBytes, checkDuration, checkPicture } from './rules';
import { HEAD_BYTES, KIB, runParser, SparseFile } from './sparse-file';

export { detectFormat } from './format';
export { READ_BUDGET, type RangeReader, type ReadBudget, type ReadStats } from './reader';

export interface Inspection {
  readonly facts: MediaFacts;
  /** Set when the media must not be sent to the provider. */
  readonly problem?: Reason;
  /** What the inspection read: always within READ_BUDGET. */
  readonly reads?: ReadStats;
  /** Observations for the audit trail that are not reasons to refuse (e.g. a duration known only as a lower bound). */
  readonly notes?: readonly string[];
}

export interface InspectOptions {
  readonly contentType?: string;
}

interface Parser {
  readonly parse: (file: SparseFile, out: Measured) => void;
  /** How close to the end a needed byte must be for the read to run on to the end of the file. */
  readonly tailZone: number;
}

const PARSERS: Readonly<Record<MediaFormat, Parser>> = {
  mp4: { parse: parseIsoBmff, tailZone: 64 * KIB },
  mov: { parse: parseIsoBmff, tailZone: 64 * KIB },
  // Browser recordings are timed from the tail: read enough of it to hold a Cluster header.
  mkv: { parse: parseMatroska, tailZone: 128 * KIB },
  webm: { parse: parseMatroska, tailZone: 128 * KIB },
  jpeg: { parse: parseJpeg, tailZone: JPEG_TAIL_BYTES },
  png: { parse: parsePng, tailZone: JPEG_TAIL_BYTES },
};

interface Outcome {
  readonly measured: Measured;
  readonly problem?: Reason;
}

export async function inspectPart(
  part: PartName,
  reader: RangeReader,
  limits: PartLimits,
  options: InspectOptions = {},
): Promise<Inspection> {
  const budgeted = new BudgetedReader(reader, READ_BUDGET);
  const base: MediaFacts = { part, bytes: reader.size, ...(options.contentType ? { contentType: options.contentType } : {}) };
  let outcome: Outcome;
  try {
    outcome = await inspect(part, budgeted, limits, options);
  } catch (error) {
    if (error instanceof RangeReadError) throw error.cause;
    if (error instanceof MediaRefusalError) {
      outcome = { measured: newMeasured(), problem: reason(error.code, `${part}: ${error.message}`) };
      return toInspection(base, outcome, budgeted.stats);
    }
    // Defence in depth: whatever the bytes did, the caller gets a refusal, not an exception.
    outcome = { measured: newMeasured(), problem: reason('MEDIA_CORRUPT', `${part}: the file could not be read as media`) };
  }
  return toInspection(base, outcome, budgeted.stats);
}

async function inspect(part: PartName, reader: BudgetedReader, limits: PartLimits, options: InspectOptions): Promise<Outcome> {
  if (reader.size === 0)
    return { measured: newMeasured(), problem: reason('MEDIA_CORRUPT', `${part}: the file is empty (0 bytes)`) };
  const file = new SparseFile(reader, 0);
  await file.fetch(0, HEAD_BYTES);
  const format = detectFormat(file.bytes(0, Math.min(reader.size, HEAD_BYTES)));
  if (!format) {
    return {
      measured: newMeasured(),
      problem: reason('UNSUPPORTED_FORMAT', `${part}: unrecognised content, expected ${limits.formats.join(', ')}`),
    };
  }
  const parser = PARSERS[format];
  file.tailZone = parser.tailZone;
  const { out, error } = await runParser(file, newMeasured, (m) => parser.parse(file, m));
  out.container = format;
  const problem =
    formatProblem(part, format, limits, options) ??
    checkBytes(part, reader.size, limits) ??
    parseProblem(part, format, error) ??
    checkPicture(part, out, limits) ??
    checkDuration(part, out, limits);
  if (!error) noteDurationGaps(out, limits);
  return { measured: out, ...(problem ? { problem } : {}) };
}

function formatProblem(part: PartName, format: MediaFormat, limits: PartLimits, options: InspectOptions): Reason | undefined {
  if (!limits.formats.includes(format)) {
    return reason('UNSUPPORTED_FORMAT', `${part}: ${format} content, expected ${limits.formats.join(', ')}`);
  }
  const declared = checkDeclaredType(options.contentType, format);
  if (!declared.ok) {
    return reason('UNSUPPORTED_FORMAT', `${part}: the content is ${format} but was declared as ${declared.declared}`);
  }
  return undefined;
}

function parseProblem(part: PartName, format: MediaFormat, error: unknown): Reason | undefined {
  if (error === undefined) return undefined;
  if (error instanceof RangeReadError) throw error;
  if (error instanceof MediaRefusalError) return reason(error.code, `${part}: ${format}: ${error.message}`);
  if (error instanceof ReadBudgetError) {
    return reason(
      'UNSUPPORTED_FORMAT',
      `${part}: the ${format} layout cannot be checked within ${READ_BUDGET.maxRequests} reads of ${READ_BUDGET.maxBytes / KIB} KiB`,
    );
  }
  return reason('MEDIA_CORRUPT', `${part}: ${format} structure could not be parsed`);
}

/** Says so when a duration rule could not be applied, so the audit trail shows why a video passed. */
function noteDurationGaps(m: Measured, limits: PartLimits): void {
  if (limits.kind !== 'video') return;
  if (m.durationSeconds === undefined) m.notes.push('duration not measured: duration limits not applied');
  else if (m.durationIsLowerBound && limits.minDurationSeconds !== undefined && m.durationSeconds < limits.minDurationSeconds) {
    m.notes.push(`minimum duration not applied: only a lower bound (${m.durationSeconds} s) could be measured`);
  }
}

function toInspection(base: MediaFacts, outcome: Outcome, reads: ReadStats): Inspection {
  const m = outcome.measured;
  const facts: MediaFacts = {
    ...base,
    ...(m.container !== undefined ? { container: m.container } : {}),
    ...(m.codec !== undefined ? { codec: m.codec } : {}),
    ...(m.width !== undefined ? { width: m.width } : {}),
    ...(m.height !== undefined ? { height: m.height } : {}),
    ...(m.rotation !== undefined ? { rotation: m.rotation } : {}),
    ...(m.durationSeconds !== undefined ? { durationSeconds: m.durationSeconds } : {}),
  };
  return {
    facts,
    ...(outcome.problem ? { problem: outcome.problem } : {}),
    reads,
    ...(m.notes.length > 0 ? { notes: [...m.notes] } : {}),
  };
}

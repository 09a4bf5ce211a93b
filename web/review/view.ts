// What the review page says about a check, as plain strings (main.ts puts them in the page with
// textContent only).
import type { CheckResultResponse } from '../../src/client';
import type { PartName } from '../../src/core/check';

type MediaFacts = CheckResultResponse['media'][number];
type Review = NonNullable<CheckResultResponse['review']>;

/** One fixed, unambiguous form for every reviewer: `2026-11-30 01:30:12 UTC`. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export const PART_LABELS: Record<PartName, string> = {
  video: 'Video (live capture)',
  selfie: 'Selfie (live capture)',
  reference: 'ID photo (reference)',
};

/** What we measured of the part: `mp4, 1280×720, 6.0 s, 1.2 MB`. */
export function mediaSummary(facts: MediaFacts | undefined): string {
  if (!facts) return '';
  const bits: string[] = [];
  if (facts.container) bits.push(facts.container);
  if (facts.width !== undefined && facts.height !== undefined) bits.push(`${facts.width}×${facts.height}`);
  if (facts.durationSeconds !== undefined) bits.push(`${facts.durationSeconds.toFixed(1)} s`);
  bits.push(formatBytes(facts.bytes));
  return bits.join(', ');
}

function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} kB`;
  return `${bytes} B`;
}

export interface ScoreRow {
  readonly measure: string;
  readonly finding: string;
  /** The score as a 0–1 figure with two decimals; empty when the provider gave none. */
  readonly score: string;
}

const yesNo = (value: boolean | number): string => (typeof value === 'number' ? String(value) : value ? 'yes' : 'no');
const score = (value: number | undefined): string => (value === undefined ? '' : value.toFixed(2));

/** The provider's measurements, in a fixed order; the direction of each score is in its name. */
export function scoreRows(result: CheckResultResponse): ScoreRow[] {
  const rows: ScoreRow[] = [];
  if (result.liveness) {
    rows.push({
      measure: 'Liveness (higher = more likely live)',
      finding: result.liveness.live ? 'live' : 'not live',
      score: score(result.liveness.score),
    });
  }
  if (result.deepfake) {
    rows.push({
      measure: 'Deepfake (higher = more likely fake)',
      finding: result.deepfake.detected ? 'detected' : 'not detected',
      score: score(result.deepfake.score),
    });
  }
  if (result.faceMatch) {
    rows.push({
      measure: 'Face match with the ID photo (higher = more alike)',
      finding: result.faceMatch.matched ? 'matched' : 'not matched',
      score: score(result.faceMatch.score),
    });
  }
  for (const [name, value] of Object.entries(result.quality ?? {})) {
    rows.push({ measure: `Quality: ${name}`, finding: yesNo(value), score: '' });
  }
  for (const [name, value] of Object.entries(result.attributes ?? {})) {
    rows.push({ measure: `Attribute: ${name}`, finding: yesNo(value), score: '' });
  }
  return rows;
}

/** Why a decision was refused with 409, from the check as it is now. */
export function conflictMessage(current: CheckResultResponse | undefined): string {
  const notRecorded = 'Your decision was not recorded.';
  const review = current?.review;
  if (review) {
    return `Someone else already decided this check: ${review.decision} by ${review.reviewer} at ${formatTime(review.reviewedAt)}. ${notRecorded}`;
  }
  if (current?.decision !== undefined && current.decision !== 'REVIEW') {
    return `This check no longer awaits review: its decision is ${current.decision}. ${notRecorded}`;
  }
  return `This check is not awaiting review any more (someone else may have decided it). ${notRecorded}`;
}

/** The recorded review as label/value pairs. */
export function reviewFacts(review: Review, result: CheckResultResponse): [string, string][] {
  return [
    ['Decision', review.decision],
    ['Reviewer', review.reviewer],
    ['Note', review.note ?? '—'],
    ['Reviewed at', formatTime(review.reviewedAt)],
    ['Provider’s decision', review.previousDecision],
    ['Media', result.mediaDeletedAt ? `deleted at ${formatTime(result.mediaDeletedAt)}` : 'kept'],
  ];
}

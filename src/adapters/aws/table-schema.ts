// Key schema of the two tables, shared by the CDK stack and the local stack so they cannot drift.
export const CHECKS_TABLE_KEYS = { partitionKey: 'checkId' } as const;
export const AUDIT_TABLE_KEYS = { partitionKey: 'checkId', sortKey: 'seq' } as const;
/** Checks table TTL attribute (epoch seconds). */
export const CHECKS_TTL_ATTRIBUTE = 'expiresAt';
/**
 * Sparse index of checks the sweep has work for: only items with a sweepAt carry the shard
 * attribute, so a Query for "sweepAt < now" reads exactly the due checks.
 */
export const CHECKS_SWEEP_INDEX = {
  indexName: 'bySweepAt',
  partitionKey: 'sweepShard',
  sortKey: 'sweepAt',
  /** One shard is plenty for the volumes of a KYC flow; the attribute leaves room to split later. */
  shard: 'due',
} as const;
/**
 * Sparse index of checks awaiting a person: a check gets the queue attribute when it completes
 * with REVIEW and loses it when it is reviewed or its media is deleted, so a Query reads the
 * review queue, oldest decision first (reviewAt is the ISO 8601 completion time).
 */
export const CHECKS_REVIEW_INDEX = {
  indexName: 'byReviewAt',
  partitionKey: 'reviewQueue',
  sortKey: 'reviewAt',
  queue: 'awaiting',
} as const;
/**
 * Key prefix of the per-applicant attempt counters kept in the checks table. Check ids are
 * UUIDs, so no check can collide with a counter, and the API refuses such an id before any read.
 */
export const APPLICANT_KEY_PREFIX = 'applicant#';
/** Key prefix of the replayed-media index entries (an HMAC of a live part's sha256) in the checks table. */
export const MEDIA_FINGERPRINT_KEY_PREFIX = 'media#';

// The outbox part of a terminal transition's UpdateItem: the events are appended in the same
// conditional write that commits the transition, and the sweep index is pulled forward so the
// sweep finds them if nobody publishes them.
import type { Outbox } from '../../core/ports';
import { CHECKS_SWEEP_INDEX } from './table-schema';

export interface UpdateParts {
  readonly sets: readonly string[];
  /** Attributes the update must REMOVE (a caller using only SET gets none). */
  readonly removes: readonly string[];
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
}

export const OUTBOX_NAMES = {
  '#outbox': 'outbox',
  '#sweepAfterOutbox': 'sweepAfterOutbox',
  '#sweepShard': CHECKS_SWEEP_INDEX.partitionKey,
} as const;

/**
 * SET clauses that append the events and make the check due for the sweep at the earlier of the
 * outbox's due time and `sweepAfter` (what the transition itself wants the sweep for; restored
 * when the outbox is cleared). Without `sweepAfter` (a transition that leaves the sweep nothing
 * else to do, like an erasure tombstone) the check leaves the index once the outbox is cleared;
 * the caller then also REMOVEs `removes`. The caller must not SET #sweepAt itself.
 */
export function outboxUpdate(outbox: Outbox, sweepAfter?: number): UpdateParts {
  const sets = [
    '#outbox = list_append(if_not_exists(#outbox, :noEvents), :outboxEvents)',
    '#sweepAt = :outboxSweepAt',
    '#sweepShard = :sweepShard',
  ];
  const values: Record<string, unknown> = {
    ':noEvents': [],
    ':outboxEvents': outbox.events.map((event) => structuredClone(event)),
    ':outboxSweepAt': Math.min(outbox.dueAt, sweepAfter ?? outbox.dueAt),
    ':sweepShard': CHECKS_SWEEP_INDEX.shard,
  };
  if (sweepAfter !== undefined) {
    sets.push('#sweepAfterOutbox = :sweepAfterOutbox');
    values[':sweepAfterOutbox'] = sweepAfter;
  }
  return {
    sets,
    removes: sweepAfter === undefined ? ['#sweepAfterOutbox'] : [],
    names: { ...OUTBOX_NAMES, '#sweepAt': CHECKS_SWEEP_INDEX.sortKey },
    values,
  };
}

/** A condition that holds when the outbox holds exactly these event ids, in this order. */
export function outboxHoldsExactly(eventIds: readonly string[]): {
  condition: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const values: Record<string, unknown> = { ':outboxCount': eventIds.length };
  const clauses = ['size(#outbox) = :outboxCount'];
  eventIds.forEach((id, index) => {
    clauses.push(`#outbox[${index}].#eventId = :outboxEvent${index}`);
    values[`:outboxEvent${index}`] = id;
  });
  return { condition: clauses.join(' AND '), names: { '#outbox': 'outbox', '#eventId': 'id' }, values };
}

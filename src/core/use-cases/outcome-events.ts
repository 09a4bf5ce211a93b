// Outcome events through an outbox on the check: the terminal transition writes the event in the
// same conditional update (so the event exists exactly when the transition does, and a duplicate
// or resumed attempt that loses the race writes none), then the same invocation publishes it and
// clears the outbox. If it dies in between, the sweep finds the check (its sweepAt was pulled
// forward) and publishes the same envelope, with the same id, again.
import {
  buildOutcomeEvent,
  outcomeEventSchema,
  type OutcomeEvent,
  type OutcomeEventType,
  type OutcomeSource,
} from '../../events/envelope';
import type { Check } from '../check';
import { describeError } from '../errors';
import type { Log } from '../log';
import type { CheckRepository, Clock, Outbox, OutcomePublisher } from '../ports';

/** How long after a transition the sweep takes over publishing its events if the function died. */
export const OUTBOX_SWEEP_DELAY_SECONDS = 30;

export interface OutcomeEventDeps {
  readonly checks: CheckRepository;
  readonly outcomes: OutcomePublisher;
  readonly clock: Clock;
  readonly log: Log;
}

/**
 * The outbox for one event about `check`, or undefined when no valid event can be built from it
 * (logged): a transition is never held up by its event.
 */
export function outboxFor(
  deps: Pick<OutcomeEventDeps, 'clock' | 'log'>,
  type: OutcomeEventType,
  check: OutcomeSource,
  occurredAt: string,
): Outbox | undefined {
  let event: OutcomeEvent;
  try {
    event = buildOutcomeEvent({ type, check, occurredAt });
  } catch (error) {
    deps.log.error('No outcome event could be built for this transition', {
      checkId: check.checkId,
      type,
      error: describeError(error),
    });
    return undefined;
  }
  return { events: [event], dueAt: Math.floor(deps.clock.now().getTime() / 1000) + OUTBOX_SWEEP_DELAY_SECONDS };
}

/**
 * Publishes committed events and clears them from the outbox. Never throws: a failure leaves the
 * events in the outbox for the sweep. Returns whether the events were handed over.
 */
export async function publishOutbox(
  deps: OutcomeEventDeps,
  checkId: string,
  events: readonly OutcomeEvent[],
  /** What the outbox holds (default: these events' ids; none: the events were not in an outbox). */
  outboxIds: readonly string[] = events.map((event) => event.id),
): Promise<boolean> {
  if (events.length === 0 && outboxIds.length === 0) return true;
  const eventIds = events.map((event) => event.id);
  try {
    if (events.length > 0) await deps.outcomes.publish(events);
  } catch (error) {
    deps.log.error('Publishing outcome events failed; the sweep will publish them', {
      checkId,
      eventIds,
      error: describeError(error),
    });
    return false;
  }
  if (outboxIds.length === 0) return true;
  try {
    await deps.checks.clearOutbox(checkId, outboxIds);
  } catch (error) {
    // Published but still in the outbox: the sweep publishes them once more, under the same ids.
    deps.log.warn('Clearing the outbox failed', { checkId, error: describeError(error) });
  }
  return true;
}

/** The unpublished events a check holds (entries that no longer parse are logged and left out). */
export function pendingEvents(check: Pick<Check, 'checkId' | 'outbox'>, log: Log): OutcomeEvent[] {
  return (check.outbox ?? []).flatMap((entry) => {
    const parsed = outcomeEventSchema.safeParse(entry);
    if (parsed.success) return [parsed.data];
    log.error('An outbox entry is not a valid outcome event', { checkId: check.checkId, eventId: entry.id });
    return [];
  });
}

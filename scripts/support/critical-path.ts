// The critical path of a set of requests: how many had to run one after another. Requests that
// overlap in time ran beside each other and count once, so the figure is the longest chain of
// pairwise non-overlapping intervals (interval scheduling: earliest end first is optimal).

export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The longest chain of intervals each starting at or after the previous one ended, in order.
 * Greedy by earliest end: no chain can be longer (the classic exchange argument), and among the
 * longest it picks the one that leaves the most room after each step.
 */
export function longestSequentialChain<T extends Interval>(intervals: readonly T[]): T[] {
  const byEnd = [...intervals].sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
  const chain: T[] = [];
  let freeFrom = Number.NEGATIVE_INFINITY;
  for (const interval of byEnd) {
    if (interval.startMs >= freeFrom) {
      chain.push(interval);
      freeFrom = interval.endMs;
    }
  }
  return chain;
}

/**
 * The critical path ending with `last` (the write that stored the result): the longest chain of
 * the requests that ran from `fromMs` until `last` started, then `last`. Requests beside `last`
 * do not lengthen it.
 */
export function criticalPathTo<T extends Interval>(requests: readonly T[], fromMs: number, last: T): T[] {
  const before = requests.filter((request) => request !== last && request.startMs >= fromMs && request.endMs <= last.startMs);
  return [...longestSequentialChain(before), last];
}

import { describe, expect, it } from 'vitest';
import { criticalPathTo, longestSequentialChain, type Interval } from '../../../scripts/support/critical-path';

interface Named extends Interval {
  readonly name: string;
}
const at = (name: string, startMs: number, endMs: number): Named => ({ name, startMs, endMs });
const names = (chain: readonly Named[]): string[] => chain.map((item) => item.name);

describe('longestSequentialChain', () => {
  it('counts requests that ran one after another, each once, in order', () => {
    // Prepare: three requests back to back (an end equal to the next start is sequential)
    const requests = [at('c', 20, 30), at('a', 0, 10), at('b', 10, 20)];

    // Act
    const chain = longestSequentialChain(requests);

    // Assess
    expect(names(chain)).toEqual(['a', 'b', 'c']);
  });

  it('counts requests that ran beside each other once', () => {
    // Prepare: two HEADs in parallel, then two GETs in parallel, then a write
    const requests = [at('head1', 0, 10), at('head2', 1, 12), at('get1', 13, 30), at('get2', 14, 25), at('write', 31, 40)];

    // Act
    const chain = longestSequentialChain(requests);

    // Assess
    expect(chain).toHaveLength(3);
    expect(names(chain)).toEqual(['head1', 'get2', 'write']);
  });

  it('finds the longest chain even when a long request hides two short sequential ones', () => {
    // Prepare: one long request beside two short ones that ran one after the other
    const requests = [at('long', 0, 100), at('short1', 5, 20), at('short2', 30, 50), at('after', 100, 110)];

    // Act
    const chain = longestSequentialChain(requests);

    // Assess
    expect(names(chain)).toEqual(['short1', 'short2', 'after']);
  });

  it('is empty for no requests', () => {
    expect(longestSequentialChain([])).toEqual([]);
  });
});

describe('criticalPathTo', () => {
  it('ends with the result write, and an audit append beside it does not lengthen the path', () => {
    // Prepare: get → head → (audit ∥ result write); a request before the start is left out
    const before = at('earlier part', -50, -10);
    const write = at('result write', 30, 45);
    const requests = [
      before,
      at('get', 0, 8),
      at('head', 9, 20),
      at('audit beside', 29, 44),
      write,
      at('media delete after', 46, 60),
    ];

    // Act
    const chain = criticalPathTo(requests, 0, write);

    // Assess
    expect(names(chain)).toEqual(['get', 'head', 'result write']);
  });

  it('counts an audit append that was awaited before the write', () => {
    // Prepare: the audit append ran on its own between the get and the write
    const write = at('result write', 30, 45);
    const requests = [at('get', 0, 8), at('audit awaited', 10, 25), write];

    // Act
    const chain = criticalPathTo(requests, 0, write);

    // Assess
    expect(names(chain)).toEqual(['get', 'audit awaited', 'result write']);
  });
});

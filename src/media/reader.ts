// The only way the inspector touches an object: ranged reads, counted and capped per file so a
// hostile file cannot make us read (or pay S3 for) more than the budget.
import { corrupt, RangeReadError, ReadBudgetError } from './errors';

/** Ranged access to one object; counts what it reads so benchmarks can report it. */
export interface RangeReader {
  readonly size: number;
  /** Bytes [start, endInclusive], clamped to the object. */
  read(start: number, endInclusive: number): Promise<Uint8Array>;
}

export interface ReadStats {
  readonly bytes: number;
  readonly requests: number;
}

export interface ReadBudget {
  readonly maxBytes: number;
  readonly maxRequests: number;
}

/** Per file, whatever its size: one head read, one tail read, rarely one targeted read. */
export const READ_BUDGET: ReadBudget = { maxBytes: 256 * 1024, maxRequests: 3 };

export class BudgetedReader {
  private bytesRead = 0;
  private requestsMade = 0;

  constructor(
    private readonly inner: RangeReader,
    readonly budget: ReadBudget = READ_BUDGET,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  get stats(): ReadStats {
    return { bytes: this.bytesRead, requests: this.requestsMade };
  }

  get remaining(): ReadStats {
    return {
      bytes: this.budget.maxBytes - this.bytesRead,
      requests: this.budget.maxRequests - this.requestsMade,
    };
  }

  /** Reads exactly `length` bytes at `start`, or throws; never exceeds the budget. */
  async read(start: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length <= 0) {
      throw new ReadBudgetError(`invalid read ${start}+${length}`);
    }
    if (start + length > this.size) throw corrupt(`needs bytes past the end of the file (${this.size} bytes)`);
    if (this.requestsMade >= this.budget.maxRequests || this.bytesRead + length > this.budget.maxBytes) {
      throw new ReadBudgetError(
        `reading ${length} more bytes would exceed the budget of ${this.budget.maxRequests} reads / ${this.budget.maxBytes} bytes`,
      );
    }
    // Counted before awaiting so that concurrent callers cannot overshoot the budget together.
    this.requestsMade += 1;
    this.bytesRead += length;
    let data: Uint8Array;
    try {
      data = await this.inner.read(start, start + length - 1);
    } catch (error) {
      throw new RangeReadError(error);
    }
    if (data.length < length) {
      throw corrupt(`the object returned ${data.length} of ${length} bytes at offset ${start}: shorter than its declared size`);
    }
    return data.length === length ? data : data.subarray(0, length);
  }
}

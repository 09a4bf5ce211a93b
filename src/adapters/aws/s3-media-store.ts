// MediaStore on S3. Ranged GETs let the media check read a container's header without
// downloading the whole upload.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { MediaStore, ObjectHead, PinnedRead } from '../../core/ports';
import { MediaObjectNotFoundError } from './errors';

export interface S3MediaStoreOptions {
  /**
   * The role has s3:GetObject but no s3:ListBucket, so S3 answers a HEAD on a missing key 403
   * rather than 404: read a 403 on HEAD as "no such object". Only for a store whose role is known
   * to read the keys it asks about (a misconfigured role then reads as missing media, not a 5xx).
   */
  readonly headForbiddenMeansMissing?: boolean;
}

export class S3MediaStore implements MediaStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly options: S3MediaStoreOptions = {},
  ) {}

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const output = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        bytes: output.ContentLength ?? 0,
        ...(output.ETag !== undefined ? { etag: unquote(output.ETag) } : {}),
        ...(output.ContentType !== undefined ? { contentType: output.ContentType } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (this.options.headForbiddenMeansMissing && isForbidden(error)) return undefined;
      throw error;
    }
  }

  async readRange(key: string, start: number, endInclusive: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(endInclusive) || start < 0 || endInclusive < start) {
      throw new RangeError(`Invalid byte range ${start}-${endInclusive}`);
    }
    try {
      return await this.get(key, `bytes=${start}-${endInclusive}`);
    } catch (error) {
      // S3 answers 416 for a range starting at or past the end; the port promises clamping.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416) return new Uint8Array(0);
      throw error;
    }
  }

  readAll(key: string): Promise<Uint8Array> {
    return this.get(key, undefined);
  }

  async readPinned(key: string, etag: string): Promise<PinnedRead> {
    try {
      const output = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: etag.startsWith('"') ? etag : `"${etag}"` }),
      );
      const bytes = output.Body === undefined ? new Uint8Array(0) : await output.Body.transformToByteArray();
      return { kind: 'object', bytes, ...(output.ContentType !== undefined ? { contentType: output.ContentType } : {}) };
    } catch (error) {
      if (isNotFound(error)) return { kind: 'missing' };
      // 412 PreconditionFailed: the key now holds another upload than the one recorded.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return { kind: 'replaced' };
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 deletes are idempotent: deleting a missing key succeeds, which suits retried cleanup.
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  private async get(key: string, range: string | undefined): Promise<Uint8Array> {
    try {
      const output = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range !== undefined ? { Range: range } : {}) }),
      );
      return output.Body === undefined ? new Uint8Array(0) : await output.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) throw new MediaObjectNotFoundError(key, { cause: error });
      throw error;
    }
  }
}

function isNotFound(error: unknown): boolean {
  // HEAD has no body, so its 404 cannot always carry an error code; the status is the signal.
  return (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
  );
}

function isForbidden(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403;
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

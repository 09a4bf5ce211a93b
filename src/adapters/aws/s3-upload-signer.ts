// UploadSigner on S3 presigned POST. The policy, not the client, decides the key, the size
// range and the content type; S3 refuses any form that strays from it.
import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { UploadForm, UploadFormRequest, UploadSigner } from '../../core/ports';

/** SigV4 presigned requests cannot outlive seven days. */
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

export class S3UploadSigner implements UploadSigner {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async presignPost(request: UploadFormRequest): Promise<UploadForm> {
    const { key, maxBytes, contentTypePrefix, expiresInSeconds } = request;
    if (key.length === 0 || key.includes('${filename}')) {
      throw new RangeError('The upload key must be a fixed, non-empty key');
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
    }
    if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRY_SECONDS) {
      throw new RangeError(`expiresInSeconds must be between 1 and ${MAX_EXPIRY_SECONDS}, got ${expiresInSeconds}`);
    }
    // An empty prefix would let any content type through, which is never what a caller means.
    if (contentTypePrefix.length === 0) {
      throw new RangeError('contentTypePrefix must not be empty');
    }
    // createPresignedPost adds the exact-key, bucket and X-Amz-* conditions itself. Content-Type
    // is left to the client (it knows what it recorded); the policy only bounds its prefix.
    const { url, fields } = await createPresignedPost(this.s3, {
      Bucket: this.bucket,
      Key: key,
      Conditions: [
        ['content-length-range', 1, maxBytes],
        ['starts-with', '$Content-Type', contentTypePrefix],
      ],
      Expires: expiresInSeconds,
    });
    return { url, fields };
  }
}

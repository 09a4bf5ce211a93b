// MediaUrlSigner on S3: a presigned GET (query-string SigV4) for one object, signed by the
// function's own role, so the link can read no more than that role may.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { MediaUrlSigner } from '../../core/ports';

export class S3MediaUrlSigner implements MediaUrlSigner {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}

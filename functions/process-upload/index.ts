// Lambda entry for the processor: S3 ObjectCreated (checks/*) → SQS → here.
import { wireFromEnv } from '../common/wiring';
import { makeProcessUploadHandler } from './handler';

export const handler = makeProcessUploadHandler(wireFromEnv());

// Lambda entry for DELETE /v1/checks/{checkId} (IAM-authorised backend route): erasure on request.
import { wireFromEnv } from '../shared/wiring';
import { makeEraseCheckHandler } from './handler';

export const handler = makeEraseCheckHandler(wireFromEnv());

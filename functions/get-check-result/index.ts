// Lambda entry for GET /v1/checks/{checkId}/result (IAM-authorised backend route).
import { wireFromEnv } from '../shared/wiring';
import { makeGetCheckResultHandler } from './handler';

export const handler = makeGetCheckResultHandler(wireFromEnv());

// Lambda entry for GET /v1/checks/{checkId} (frontend route, per-check poll token).
import { wireFromEnv } from '../shared/wiring';
import { makeGetCheckHandler } from './handler';

export const handler = makeGetCheckHandler(wireFromEnv());

// Lambda entry for POST /v1/checks (IAM-authorised backend route).
import { wireFromEnv } from '../shared/wiring';
import { makeCreateCheckHandler } from './handler';

export const handler = makeCreateCheckHandler(wireFromEnv());

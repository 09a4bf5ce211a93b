// Contract simulator for Verihubs Face Liveness (contract: README.md beside this file): JSON POST with `App-ID` /
// `API-Key` (401 otherwise), the payload checks the API documents (missing / non-Base64 image,
// > 5 MiB, not JPEG/PNG, flag dependencies), FAIL_ON_n only for the validations the request
// switched on, and every documented code. Bodies are written through the response mapping, so
// the simulator speaks whatever shape the adapter is configured to read.
// Scenarios: README.md beside this file.
import { randomUUID } from 'node:crypto';
import { VERIHUBS_ERROR_CODES } from './codes';
import { DEFAULT_VERIHUBS_MAPPING, writeBody, type VerihubsBodyValues, type VerihubsMapping } from './response-mapping';
import { isRecord } from '../verdict';
import {
  jsonReply,
  startSimulator,
  type DecodeResult,
  type DecodedRequest,
  type ScenarioSelection,
  type SimFieldSummary,
  type SimReply,
  type SimRequest,
  endpointSimulator,
  headerValue,
  isStandardBase64,
  type EndpointSimulator,
} from '../simulator-kit';

export const VERIHUBS_SIMULATOR_PATH = '/v1/face/liveness';
export const VERIHUBS_SIMULATOR_APP_ID = 'local-verihubs-app';
export const VERIHUBS_SIMULATOR_API_KEY = 'local-verihubs-key';
/** "IMAGE_EXCEED_LIMIT: Photo with size > 5MiB" (testing-mode table). */
export const VERIHUBS_MAX_IMAGE_BYTES = 5 * 1024 * 1024;

export const VERIHUBS_SCENARIOS = [
  'pass',
  'spoof',
  'fail_on_2',
  'fail_on_4',
  'fail_on_6',
  'fail_on_8',
  'fail_on_10',
  'fail_on_12',
  'fail_on_14',
  'face_not_detected',
  'quota',
  'internal_error',
  'auth_failure',
  'invalid_payload',
  'invalid_payload_spaced',
  'invalid_payload_image_missing',
  'invalid_payload_image_size',
  'missing_payload_image',
  'invalid_payload_image_timeout',
  'invalid_payload_image_format',
  'quality_validation_dependency',
  'attribute_validation_dependency',
] as const;
export type VerihubsScenario = (typeof VERIHUBS_SCENARIOS)[number];

/** For GET /__sim/scenarios: what each scenario answers. */
export const VERIHUBS_SCENARIO_DESCRIPTIONS: Readonly<Record<VerihubsScenario, string>> = {
  pass: 'HTTP 200: live',
  spoof: 'HTTP 200: not live',
  fail_on_2: 'FAIL_ON_2: mask, sunglasses, veil or hat (when validate_attribute)',
  fail_on_4: 'FAIL_ON_4: poor quality (when validate_quality)',
  fail_on_6: 'FAIL_ON_6: attribute and quality',
  fail_on_8: 'FAIL_ON_8: more than one face (when validate_nface)',
  fail_on_10: 'FAIL_ON_10: attribute and number of faces',
  fail_on_12: 'FAIL_ON_12: quality and number of faces',
  fail_on_14: 'FAIL_ON_14: attribute, quality and number of faces',
  face_not_detected: 'HTTP 400 FACE_NOT_DETECTED',
  quota: 'HTTP 403 INSUFFICIENT_QUOTA_LIVENESS',
  internal_error: 'HTTP 500 INTERNAL_SERVER_ERROR',
  auth_failure: 'HTTP 401: bad App-ID or API-Key',
  invalid_payload: 'HTTP 400 INVALID_PAYLOAD',
  invalid_payload_spaced: 'HTTP 400 "INVALID PAYLOAD" (the spelling of one vendor page)',
  invalid_payload_image_missing: 'HTTP 400 INVALID_PAYLOAD_IMAGE_MISSING',
  invalid_payload_image_size: 'HTTP 400 INVALID_PAYLOAD_IMAGE_SIZE',
  missing_payload_image: 'HTTP 400 MISSING_PAYLOAD_IMAGE',
  invalid_payload_image_timeout: 'HTTP 400 INVALID_PAYLOAD_IMAGE_TIMEOUT',
  invalid_payload_image_format: 'HTTP 400 INVALID_PAYLOAD_IMAGE_FORMAT',
  quality_validation_dependency: 'HTTP 400 INVALID_PAYLOAD_QUALITY_VALIDATION_DEPENDENCY',
  attribute_validation_dependency: 'HTTP 400 INVALID_PAYLOAD_ATTRIBUTE_VALIDATION_DEPENDENCY',
};

/** Names shared with the other simulators; the Verihubs names stay valid as aliases. */
export const VERIHUBS_SHARED_NAMES: Readonly<Record<string, VerihubsScenario>> = {
  no_face: 'face_not_detected',
  multiple_faces: 'fail_on_8',
  poor_quality: 'fail_on_4',
  face_attribute: 'fail_on_2',
  invalid_input: 'invalid_payload',
};

export interface VerihubsSimulatorOptions {
  readonly port?: number;
  readonly host?: string;
  /** Credentials it accepts. Default `local-verihubs-app` / `local-verihubs-key`. */
  readonly appId?: string;
  readonly apiKey?: string;
  /** Scenario text for requests without a marker. Default `pass`. */
  readonly defaultScenario?: string;
  /** The body shape to answer in. Default: the adapter's default mapping. */
  readonly mapping?: VerihubsMapping;
  /** Think time added to every answer (load tests). Default 0. */
  readonly latencyMs?: number;
}

/** What the last accepted request carried. In memory only, for tests. */
export interface VerihubsRecordedRequest {
  /** The decoded `image`. */
  readonly image: Uint8Array;
  readonly flags: Readonly<Record<string, boolean>>;
}

export interface VerihubsSimulator extends EndpointSimulator {
  lastRequest(): VerihubsRecordedRequest | undefined;
}

/** Narrows a started simulator (e.g. from the local stack) to the Verihubs one. */
export function isVerihubsSimulator(value: object): value is VerihubsSimulator {
  return (
    'lastRequest' in value &&
    typeof value.lastRequest === 'function' &&
    'url' in value &&
    typeof value.url === 'string' &&
    value.url.endsWith(VERIHUBS_SIMULATOR_PATH)
  );
}

const FLAGS = ['is_quality', 'is_attribute', 'validate_quality', 'validate_attribute', 'validate_nface'] as const;
type Flag = (typeof FLAGS)[number];
/** Vendor defaults for absent flags. */
const FLAG_DEFAULTS: Readonly<Record<Flag, boolean>> = {
  is_quality: true,
  is_attribute: true,
  validate_quality: false,
  validate_attribute: false,
  validate_nface: false,
};

interface VerihubsRequestData {
  readonly flags: Readonly<Record<Flag, boolean>>;
}

// ---------------------------------------------------------------------------------------------
// Request decoding

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((byte, i) => bytes[i] === byte);
}

interface Context {
  readonly appId: string;
  readonly apiKey: string;
  readonly mapping: VerihubsMapping;
  readonly record: (request: VerihubsRecordedRequest) => void;
}

function meaning(code: string): string {
  const entry = VERIHUBS_ERROR_CODES.get(code);
  return entry?.meaning ?? code.toLowerCase().replace(/_/g, ' ');
}

function errorReply(mapping: VerihubsMapping, status: number, code: string): SimReply {
  return jsonReply(status, writeBody(mapping, { errorCode: code, message: meaning(code) }));
}

function decodeVerihubs(req: SimRequest, context: Context): DecodeResult<VerihubsRequestData> {
  const { mapping } = context;
  const reject = (code: string, fields: readonly SimFieldSummary[] = [], status = 400): DecodeResult<VerihubsRequestData> => ({
    reject: errorReply(mapping, status, code),
    fields,
  });
  if (req.method !== 'POST') return { reject: jsonReply(405, { message: 'Method Not Allowed' }, { allow: 'POST' }) };
  if (headerValue(req, 'app-id') !== context.appId || headerValue(req, 'api-key') !== context.apiKey) {
    return { reject: jsonReply(401, writeBody(mapping, { errorCode: 'UNAUTHORIZED', message: 'invalid App-ID or API-Key' })) };
  }
  if (!(headerValue(req, 'content-type') ?? '').toLowerCase().includes('application/json')) return reject('INVALID_PAYLOAD');
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString('utf8'));
  } catch {
    return reject('INVALID_PAYLOAD');
  }
  if (!isRecord(body)) return reject('INVALID_PAYLOAD');
  const fields: SimFieldSummary[] = Object.entries(body).map(([name, value]) => ({
    name,
    bytes: typeof value === 'string' ? value.length : JSON.stringify(value).length,
  }));

  const flags = { ...FLAG_DEFAULTS };
  for (const name of FLAGS) {
    const value = body[name];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') return reject('INVALID_PAYLOAD', fields);
    flags[name] = value;
  }
  if (flags.validate_quality && !flags.is_quality) return reject('INVALID_PAYLOAD_QUALITY_VALIDATION_DEPENDENCY', fields);
  if (flags.validate_attribute && !flags.is_attribute) return reject('INVALID_PAYLOAD_ATTRIBUTE_VALIDATION_DEPENDENCY', fields);

  const image = body.image;
  if (image === undefined || image === null) return reject('MISSING_PAYLOAD_IMAGE', fields);
  if (typeof image !== 'string' || image === '') return reject('INVALID_PAYLOAD_IMAGE_MISSING', fields);
  // The real API fetches URLs; the simulator has no network, so a URL behaves like one that never answers.
  if (/^https?:\/\//i.test(image)) return reject('INVALID_PAYLOAD_IMAGE_TIMEOUT', fields);
  // A data: prefix, line breaks or URL-safe characters are not "standard b64".
  if (!isStandardBase64(image)) return reject('INVALID_PAYLOAD_IMAGE_MISSING', fields);
  const bytes = new Uint8Array(Buffer.from(image, 'base64'));
  if (bytes.byteLength > VERIHUBS_MAX_IMAGE_BYTES) return reject('INVALID_PAYLOAD_IMAGE_SIZE', fields);
  if (!startsWith(bytes, JPEG_MAGIC) && !startsWith(bytes, PNG_MAGIC)) return reject('INVALID_PAYLOAD_IMAGE_FORMAT', fields);

  context.record({ image: bytes, flags: { ...flags } });
  return { media: [bytes], fields, data: { flags } };
}

// ---------------------------------------------------------------------------------------------
// What each scenario answers

const GOOD_QUALITY = { blur: false, dark: false, grayscale: false, blur_score: 0.0213, dark_score: 0.0472 };
const POOR_QUALITY = { blur: true, dark: false, grayscale: false, blur_score: 0.8731, dark_score: 0.0472 };
const NO_ATTRIBUTES = { sunglasses: false, mask: false, veil: false, hat: false };
const MASKED = { sunglasses: false, mask: true, veil: false, hat: false };

type Plan =
  | { readonly kind: 'judged'; readonly live: boolean; readonly liveProbability: number }
  | { readonly kind: 'fail_on'; readonly mask: number }
  | { readonly kind: 'error'; readonly status: number; readonly code: string };

const PASS: Extract<Plan, { kind: 'judged' }> = { kind: 'judged', live: true, liveProbability: 0.9731 };

const PLANS: Readonly<Record<VerihubsScenario, Plan>> = {
  pass: PASS,
  spoof: { kind: 'judged', live: false, liveProbability: 0.0412 },
  fail_on_2: { kind: 'fail_on', mask: 2 },
  fail_on_4: { kind: 'fail_on', mask: 4 },
  fail_on_6: { kind: 'fail_on', mask: 6 },
  fail_on_8: { kind: 'fail_on', mask: 8 },
  fail_on_10: { kind: 'fail_on', mask: 10 },
  fail_on_12: { kind: 'fail_on', mask: 12 },
  fail_on_14: { kind: 'fail_on', mask: 14 },
  face_not_detected: { kind: 'error', status: 400, code: 'FACE_NOT_DETECTED' },
  quota: { kind: 'error', status: 403, code: 'INSUFFICIENT_QUOTA_LIVENESS' },
  internal_error: { kind: 'error', status: 500, code: 'INTERNAL_SERVER_ERROR' },
  auth_failure: { kind: 'error', status: 401, code: 'UNAUTHORIZED' },
  invalid_payload: { kind: 'error', status: 400, code: 'INVALID_PAYLOAD' },
  invalid_payload_spaced: { kind: 'error', status: 400, code: 'INVALID PAYLOAD' },
  invalid_payload_image_missing: { kind: 'error', status: 400, code: 'INVALID_PAYLOAD_IMAGE_MISSING' },
  invalid_payload_image_size: { kind: 'error', status: 400, code: 'INVALID_PAYLOAD_IMAGE_SIZE' },
  missing_payload_image: { kind: 'error', status: 400, code: 'MISSING_PAYLOAD_IMAGE' },
  invalid_payload_image_timeout: { kind: 'error', status: 400, code: 'INVALID_PAYLOAD_IMAGE_TIMEOUT' },
  invalid_payload_image_format: { kind: 'error', status: 400, code: 'INVALID_PAYLOAD_IMAGE_FORMAT' },
  quality_validation_dependency: { kind: 'error', status: 400, code: 'INVALID_PAYLOAD_QUALITY_VALIDATION_DEPENDENCY' },
  attribute_validation_dependency: { kind: 'error', status: 400, code: 'INVALID_PAYLOAD_ATTRIBUTE_VALIDATION_DEPENDENCY' },
};

const FAIL_ON_MEANING: Readonly<Record<number, string>> = { 2: 'attribute', 4: 'quality', 8: 'number of face (nface)' };

function isVerihubsScenario(name: string): name is VerihubsScenario {
  return (VERIHUBS_SCENARIOS as readonly string[]).includes(name);
}

function answerVerihubs(
  mapping: VerihubsMapping,
  scenario: ScenarioSelection,
  decoded: DecodedRequest<VerihubsRequestData>,
): SimReply {
  // The kit only passes names from VERIHUBS_SCENARIOS; the guard keeps the types honest.
  if (!isVerihubsScenario(scenario.name)) return jsonReply(500, { message: `no plan for ${scenario.name}` });
  const plan = PLANS[scenario.name];
  const { flags } = decoded.data;
  if (plan.kind === 'error') return errorReply(mapping, plan.status, plan.code);

  // The picture's problems show in the computed fields whether or not a validation refuses it.
  const problems = plan.kind === 'fail_on' ? plan.mask : 0;
  const observed: VerihubsBodyValues = {
    ...(flags.is_quality ? { quality: problems & 4 ? POOR_QUALITY : GOOD_QUALITY } : {}),
    ...(flags.is_attribute ? { attributes: problems & 2 ? MASKED : NO_ATTRIBUTES } : {}),
    faceCount: problems & 8 ? 2 : 1,
    referenceId: randomUUID(),
  };
  // A FAIL_ON bit exists only for a validation the request switched on (validate_* default false).
  const enabled = (flags.validate_attribute ? 2 : 0) | (flags.validate_quality ? 4 : 0) | (flags.validate_nface ? 8 : 0);
  const mask = problems & enabled;
  if (mask !== 0) {
    const meaningText = [2, 4, 8]
      .filter((bit) => mask & bit)
      .map((bit) => FAIL_ON_MEANING[bit])
      .join(' and ');
    return jsonReply(200, writeBody(mapping, { ...observed, errorCode: `FAIL_ON_${mask}`, message: `fail on ${meaningText}` }));
  }
  // Every refused bit was switched off: the API judges the picture as it is.
  const judged = plan.kind === 'judged' ? plan : PASS;
  return jsonReply(200, writeBody(mapping, { ...observed, live: judged.live, liveProbability: judged.liveProbability }));
}

/** Starts the Verihubs simulator on loopback; `url` is the endpoint to put in the Verihubs secret. */
export async function startVerihubsSimulator(options: VerihubsSimulatorOptions = {}): Promise<VerihubsSimulator> {
  let last: VerihubsRecordedRequest | undefined;
  const mapping = options.mapping ?? DEFAULT_VERIHUBS_MAPPING;
  const context: Context = {
    appId: options.appId ?? VERIHUBS_SIMULATOR_APP_ID,
    apiKey: options.apiKey ?? VERIHUBS_SIMULATOR_API_KEY,
    mapping,
    record: (request) => {
      last = request;
    },
  };
  const running = await startSimulator<VerihubsRequestData>(
    {
      name: 'verihubs',
      path: VERIHUBS_SIMULATOR_PATH,
      scenarios: VERIHUBS_SCENARIOS,
      descriptions: VERIHUBS_SCENARIO_DESCRIPTIONS,
      sharedNames: VERIHUBS_SHARED_NAMES,
      secretHeaders: ['app-id', 'api-key'],
      decode: (req) => decodeVerihubs(req, context),
      answer: (scenario, decoded) => answerVerihubs(mapping, scenario, decoded),
    },
    { port: options.port, host: options.host, defaultScenario: options.defaultScenario, latencyMs: options.latencyMs },
  );
  return { ...endpointSimulator(running, VERIHUBS_SIMULATOR_PATH), lastRequest: () => last };
}

// Contract simulator for SenseID silent_image_verification (contract: README.md beside this file): a urlencoded POST
// whose `encrypted_video` / `encrypted_image` it decrypts with its own AES key and IV (a wrong
// key fails the GCM tag → code 1200, as the real server does), optional front-proxy auth, and
// every documented outcome. The scenario marker is looked for in the decrypted media.
// Scenarios: README.md beside this file.
import { randomUUID } from 'node:crypto';
import { SENSEID_CODES } from './codes';
import { assertSenseIdKeyAndIv, senseIdDecrypt } from './crypto';
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

export const SENSEID_SIMULATOR_PATH = '/identity/silent_image_verification/stateless';
/** The vendor's documented server defaults; operators are told to change them. */
export const SENSEID_DEFAULT_AES_KEY = 'dcbbad6765e14139a07d34b92292a672';
export const SENSEID_DEFAULT_AES_IV = 'df25d188a061';

export const SENSEID_SCENARIOS = [
  'pass',
  'spoof_hack',
  'spoof_4007',
  'short_time',
  'mismatch',
  'image_size_2003',
  'content_length_2004',
  'image_type_2005',
  'no_face_4000',
  'occlusion_4004',
  'invalid_argument_1200',
  'auth_failure',
] as const;
export type SenseIdScenario = (typeof SENSEID_SCENARIOS)[number];

/** For GET /__sim/scenarios: what each scenario answers. */
export const SENSEID_SCENARIO_DESCRIPTIONS: Readonly<Record<SenseIdScenario, string>> = {
  pass: 'code 1000, passed true, verification_score 0.93',
  spoof_hack: 'code 1000, passed false, liveness_status hack (a spoof)',
  spoof_4007: 'error 4007: liveness silent check failed (the other way a spoof comes back)',
  short_time: 'code 1000, passed false, liveness_status short_time (video under 2 s)',
  mismatch: 'code 1000, passed true, verification_score 0.42 (below the threshold)',
  image_size_2003: 'error 2003: invalid image size',
  content_length_2004: 'error 2004: invalid content length',
  image_type_2005: 'error 2005: invalid image type or corrupted',
  no_face_4000: 'error 4000: detection failed (no face)',
  occlusion_4004: 'error 4004: face occluded (only when check_quality is true; else pass)',
  invalid_argument_1200: 'error 1200: invalid argument',
  auth_failure: 'HTTP 401 from the front proxy (when an auth header is configured)',
};

/** Names shared with the other simulators; the SenseID names stay valid as aliases. */
export const SENSEID_SHARED_NAMES: Readonly<Record<string, SenseIdScenario>> = {
  spoof: 'spoof_hack',
  video_too_short: 'short_time',
  no_face: 'no_face_4000',
  occluded: 'occlusion_4004',
  invalid_input: 'invalid_argument_1200',
};

export interface SenseIdSimulatorOptions {
  readonly port?: number;
  readonly host?: string;
  /** The server's key and IV (32 and 12 ASCII chars). Default: the vendor's defaults. */
  readonly aesKey?: string;
  readonly aesIv?: string;
  /** When set, the "front proxy" answers 401 unless this exact value arrives in `authHeaderName`. */
  readonly authHeader?: string;
  /** Default `authorization`. */
  readonly authHeaderName?: string;
  /** Scenario text for requests without a marker. Default `pass`. */
  readonly defaultScenario?: string;
  /** Larger bodies get 413. Default 64 MiB: a 20 MB video is ~28 MB once encoded. */
  readonly maxBodyBytes?: number;
  /** Think time added to every answer (load tests). Default 0. */
  readonly latencyMs?: number;
}

/** What the last accepted request carried, decrypted. In memory only, for tests. */
export interface SenseIdRecordedRequest {
  readonly video: Uint8Array;
  readonly image: Uint8Array;
  readonly flags: Readonly<Record<string, boolean>>;
}

export interface SenseIdSimulator extends EndpointSimulator {
  /** The decrypted media of the last request that decrypted, or undefined. */
  lastRequest(): SenseIdRecordedRequest | undefined;
}

/** Narrows a started simulator (e.g. from the local stack) to the SenseID one. */
export function isSenseIdSimulator(value: object): value is SenseIdSimulator {
  return (
    'lastRequest' in value &&
    typeof value.lastRequest === 'function' &&
    'url' in value &&
    typeof value.url === 'string' &&
    value.url.endsWith(SENSEID_SIMULATOR_PATH)
  );
}

const FLAG_FIELDS = ['auto_rotate', 'check_quality', 'return_image', 'return_face_image', 'return_status'] as const;
type Flag = (typeof FLAG_FIELDS)[number];

interface SenseIdRequestData {
  readonly flags: Readonly<Record<Flag, boolean>>;
  readonly image: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Request decoding

function errorBody(code: number, requestId: string = randomUUID()): Record<string, unknown> {
  const message = SENSEID_CODES.get(code)?.meaning.split(' (')[0] ?? 'error';
  return { code, message, request_id: requestId };
}

// The vendor lists 400 among its statuses without a mapping; every error code is sent with it here.
function invalidArgument(fields: readonly SimFieldSummary[] = []): DecodeResult<SenseIdRequestData> {
  return { reject: jsonReply(400, errorBody(1200)), fields };
}

function proxyUnauthorized(): SimReply {
  return {
    status: 401,
    headers: { 'content-type': 'text/html', 'www-authenticate': 'Bearer' },
    body: '<html><head><title>401 Authorization Required</title></head><body><h1>401 Authorization Required</h1></body></html>',
  };
}

interface DecodeConfig {
  readonly aesKey: string;
  readonly aesIv: string;
  readonly authHeader?: string;
  readonly authHeaderName: string;
  readonly record: (request: SenseIdRecordedRequest) => void;
}

function decryptField(form: URLSearchParams, name: string, config: DecodeConfig): Buffer | undefined {
  const values = form.getAll(name);
  const [value] = values;
  // URLSearchParams turns an unescaped "+" into a space: the strict pattern then refuses it, as the server would.
  if (values.length !== 1 || value === undefined || !isStandardBase64(value)) return undefined;
  try {
    const plain = senseIdDecrypt(Buffer.from(value, 'base64'), config.aesKey, config.aesIv);
    return plain.byteLength > 0 ? plain : undefined;
  } catch {
    return undefined;
  }
}

function decodeSenseId(req: SimRequest, config: DecodeConfig): DecodeResult<SenseIdRequestData> {
  if (req.method !== 'POST') return { reject: jsonReply(405, { message: 'Method Not Allowed' }, { allow: 'POST' }) };
  if (config.authHeader !== undefined && headerValue(req, config.authHeaderName) !== config.authHeader) {
    return { reject: proxyUnauthorized() };
  }
  const contentType = (headerValue(req, 'content-type') ?? '').toLowerCase();
  if (!contentType.startsWith('application/x-www-form-urlencoded')) return invalidArgument();

  const form = new URLSearchParams(req.body.toString('latin1'));
  const fields: SimFieldSummary[] = [...form.entries()].map(([name, value]) => ({ name, bytes: value.length }));
  const video = decryptField(form, 'encrypted_video', config);
  const image = decryptField(form, 'encrypted_image', config);
  if (!video || !image) return invalidArgument(fields);

  const flags = {} as Record<Flag, boolean>;
  for (const name of FLAG_FIELDS) {
    const value = form.get(name);
    if (value !== null && value !== 'true' && value !== 'false') return invalidArgument(fields);
    flags[name] = value === 'true';
  }
  config.record({ video: new Uint8Array(video), image: new Uint8Array(image), flags: { ...flags } });
  return { media: [video, image], fields, data: { flags, image } };
}

// ---------------------------------------------------------------------------------------------
// What each scenario answers

type Plan =
  | {
      readonly kind: 'judged';
      readonly passed: boolean;
      readonly livenessScore: number;
      readonly verificationScore?: number;
      readonly status: 'ok' | 'hack' | 'short_time';
    }
  | { readonly kind: 'error'; readonly code: number }
  | { readonly kind: 'proxy-401' };

const PLANS: Readonly<Record<SenseIdScenario, Plan>> = {
  pass: { kind: 'judged', passed: true, livenessScore: 0.9871, verificationScore: 0.9342, status: 'ok' },
  spoof_hack: { kind: 'judged', passed: false, livenessScore: 0.0734, status: 'hack' },
  spoof_4007: { kind: 'error', code: 4007 },
  short_time: { kind: 'judged', passed: false, livenessScore: 0, status: 'short_time' },
  mismatch: { kind: 'judged', passed: true, livenessScore: 0.9871, verificationScore: 0.42, status: 'ok' },
  image_size_2003: { kind: 'error', code: 2003 },
  content_length_2004: { kind: 'error', code: 2004 },
  image_type_2005: { kind: 'error', code: 2005 },
  no_face_4000: { kind: 'error', code: 4000 },
  occlusion_4004: { kind: 'error', code: 4004 },
  invalid_argument_1200: { kind: 'error', code: 1200 },
  auth_failure: { kind: 'proxy-401' },
};

function isSenseIdScenario(name: string): name is SenseIdScenario {
  return (SENSEID_SCENARIOS as readonly string[]).includes(name);
}

function answerSenseId(scenario: ScenarioSelection, decoded: DecodedRequest<SenseIdRequestData>): SimReply {
  // The kit only passes names from SENSEID_SCENARIOS; the guard keeps the types honest.
  if (!isSenseIdScenario(scenario.name)) return jsonReply(500, { message: `no plan for ${scenario.name}` });
  const { flags, image } = decoded.data;
  let plan = PLANS[scenario.name];
  // check_quality "can currently only evaluate face occlusion": without it there is no 4004.
  if (scenario.name === 'occlusion_4004' && !flags.check_quality) plan = PLANS.pass;
  const requestId = randomUUID();
  switch (plan.kind) {
    case 'proxy-401':
      return proxyUnauthorized();
    case 'error':
      return jsonReply(400, errorBody(plan.code, requestId));
    case 'judged': {
      // The frames are stood in for by the uploaded photo: what matters is that Base64 comes back.
      const frame = Buffer.from(image).toString('base64');
      return jsonReply(200, {
        code: 1000,
        passed: plan.passed,
        liveness_score: plan.livenessScore,
        ...(flags.return_status ? { liveness_status: plan.status } : {}),
        ...(plan.passed && plan.verificationScore !== undefined ? { verification_score: plan.verificationScore } : {}),
        ...(plan.passed && flags.return_image ? { image_timestamp: 1.2, base64_image: frame } : {}),
        ...(plan.passed && flags.return_face_image ? { base64_face_image: frame } : {}),
        request_id: requestId,
      });
    }
  }
}

/** Starts the SenseID simulator on loopback; `url` is the endpoint to put in the SenseID secret. */
export async function startSenseIdSimulator(options: SenseIdSimulatorOptions = {}): Promise<SenseIdSimulator> {
  let last: SenseIdRecordedRequest | undefined;
  const config: DecodeConfig = {
    aesKey: options.aesKey ?? SENSEID_DEFAULT_AES_KEY,
    aesIv: options.aesIv ?? SENSEID_DEFAULT_AES_IV,
    ...(options.authHeader !== undefined ? { authHeader: options.authHeader } : {}),
    authHeaderName: (options.authHeaderName ?? 'authorization').toLowerCase(),
    record: (request) => {
      last = request;
    },
  };
  // Fail at start, not at the first request, when the simulator itself is misconfigured.
  assertSenseIdKeyAndIv(config.aesKey, config.aesIv);
  const running = await startSimulator<SenseIdRequestData>(
    {
      name: 'senseid',
      path: SENSEID_SIMULATOR_PATH,
      scenarios: SENSEID_SCENARIOS,
      descriptions: SENSEID_SCENARIO_DESCRIPTIONS,
      sharedNames: SENSEID_SHARED_NAMES,
      secretHeaders: [config.authHeaderName],
      decode: (req) => decodeSenseId(req, config),
      answer: answerSenseId,
    },
    {
      port: options.port,
      host: options.host,
      defaultScenario: options.defaultScenario,
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
      latencyMs: options.latencyMs,
    },
  );
  return { ...endpointSimulator(running, SENSEID_SIMULATOR_PATH), lastRequest: () => last };
}

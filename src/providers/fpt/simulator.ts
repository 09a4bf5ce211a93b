// Contract simulator for FPT.AI Liveness v3, reproducing the vendor contract (README.md beside this file): multipart POST,
// `api-key` / `api_key` header, exactly one of `video` / `selfies`, the filename-extension check
// (409), optional `cmnd`, every documented business code with HTTP 200, and both body shapes
// (native nested by default, flat with `?v2_format=1`). Scenarios: README.md beside this file.
import { FPT_CODES } from './codes';
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
  type EndpointSimulator,
} from '../simulator-kit';

export const FPT_SIMULATOR_PATH = '/dmp/liveness/v3';
export const FPT_SIMULATOR_DEFAULT_KEY = 'local-fpt-key';

export const FPT_SCENARIOS = [
  'pass',
  'spoof',
  'deepfake',
  'mismatch',
  'review',
  'reference_no_face',
  'occluded',
  'multiple_faces',
  'invalid_input',
  'no_face',
  'face_too_small',
  'blurry',
  'still',
  'no_frontal',
  'out_of_frame',
  'auth_failure',
  'forbidden',
] as const;
export type FptScenario = (typeof FPT_SCENARIOS)[number];

/** For GET /__sim/scenarios: what each scenario answers. */
export const FPT_SCENARIO_DESCRIPTIONS: Readonly<Record<FptScenario, string>> = {
  pass: 'code 200: live, not a deepfake, and the face matches cmnd when one is sent',
  spoof: 'code 301: not live (spoof)',
  deepfake: 'code 302: a deepfake',
  mismatch: 'code 303: live, but the face does not match cmnd (similarity 81.8 with isMatch false)',
  review: 'code 200 with need_to_review true',
  reference_no_face: 'code 407: no face in cmnd',
  occluded: 'code 406: face covered, too dark or too bright',
  multiple_faces: 'code 408: more than one face',
  invalid_input: 'code 409: invalid input',
  no_face: 'code 410: no face, or the face was lost',
  face_too_small: 'code 411: face too small',
  blurry: 'code 412: face too blurry',
  still: 'code 413: the video is a still image',
  no_frontal: 'code 422: no frontal face',
  out_of_frame: 'code 423: face out of frame',
  auth_failure: 'HTTP 401: bad api-key',
  forbidden: 'HTTP 403: key not entitled to the service',
};

/** Names shared with the other simulators (GET /__sim/scenarios lists the shared name first). */
export const FPT_SHARED_NAMES: Readonly<Record<string, FptScenario>> = {
  face_blurry: 'blurry',
  still_video: 'still',
  no_frontal_face: 'no_frontal',
  face_out_of_frame: 'out_of_frame',
};

export interface FptSimulatorOptions {
  readonly port?: number;
  readonly host?: string;
  /** The key the simulator accepts in `api-key` or `api_key`. Default `local-fpt-key`. */
  readonly apiKey?: string;
  /** Scenario text for requests without a marker, e.g. `spoof` or `spoof&format=flat`. Default `pass`. */
  readonly defaultScenario?: string;
  /** Think time added to every answer (load tests). Default 0. */
  readonly latencyMs?: number;
}

export type FptSimulator = EndpointSimulator;

// ---------------------------------------------------------------------------------------------
// What each scenario answers

interface LivenessValues {
  readonly isLive: boolean;
  readonly spoofProb: string;
  readonly needToReview: boolean;
  /** Absent in the seed's spoof sample: the flat shape then omits the deepfake fields. */
  readonly deepfake?: { readonly isDeepfake: boolean; readonly prob: string };
}

type FaceMatchOutcome = 'match' | 'mismatch' | 'no_face';

type ScenarioPlan =
  | {
      readonly kind: 'judged';
      /** The native top-level code; falls back to 200 when it is a face-match code and no cmnd came. */
      readonly code: '200' | '301' | '302' | '303' | '407';
      readonly liveness: LivenessValues;
      readonly faceMatch: FaceMatchOutcome;
    }
  | {
      readonly kind: 'capture';
      readonly code: string;
      /** Flat shape: 408/409/410 carry `data`; 411/412/413 carry `is_live:false, need_to_review:false` (seed). */
      readonly flat: { readonly data: string } | 'not_live';
    }
  | { readonly kind: 'http'; readonly status: number; readonly body: unknown };

const LIVE: LivenessValues = {
  isLive: true,
  spoofProb: '0.006677149',
  needToReview: false,
  deepfake: { isDeepfake: false, prob: '0.0016087113' },
};

const PLANS: Readonly<Record<FptScenario, ScenarioPlan>> = {
  pass: { kind: 'judged', code: '200', liveness: LIVE, faceMatch: 'match' },
  spoof: {
    kind: 'judged',
    code: '301',
    liveness: { isLive: false, spoofProb: '0.9255054', needToReview: false },
    faceMatch: 'match',
  },
  deepfake: {
    kind: 'judged',
    code: '302',
    liveness: { isLive: true, spoofProb: '0.1212767', needToReview: false, deepfake: { isDeepfake: true, prob: '0.99999964' } },
    faceMatch: 'match',
  },
  mismatch: { kind: 'judged', code: '303', liveness: LIVE, faceMatch: 'mismatch' },
  review: {
    kind: 'judged',
    code: '200',
    liveness: { ...LIVE, spoofProb: '0.4123', needToReview: true },
    faceMatch: 'match',
  },
  reference_no_face: { kind: 'judged', code: '407', liveness: LIVE, faceMatch: 'no_face' },
  occluded: { kind: 'capture', code: '406', flat: { data: 'Face is covered, too dark or too bright' } },
  multiple_faces: { kind: 'capture', code: '408', flat: { data: '2 faces' } },
  invalid_input: { kind: 'capture', code: '409', flat: { data: 'Invalid input' } },
  no_face: { kind: 'capture', code: '410', flat: { data: 'No faces' } },
  face_too_small: { kind: 'capture', code: '411', flat: 'not_live' },
  blurry: { kind: 'capture', code: '412', flat: 'not_live' },
  still: { kind: 'capture', code: '413', flat: 'not_live' },
  no_frontal: { kind: 'capture', code: '422', flat: { data: 'No frontal face' } },
  out_of_frame: { kind: 'capture', code: '423', flat: { data: 'Face out of frame' } },
  auth_failure: { kind: 'http', status: 401, body: { message: 'Invalid API key' } },
  forbidden: { kind: 'http', status: 403, body: { message: 'API key is not entitled to this service' } },
};

const OK_MESSAGE = 'request successful.';
const NA = 'N/A';
const FACE_MATCH_NA = { code: NA, message: NA, isMatch: NA, similarity: NA, warning: NA };
const SIMILARITY: Record<Exclude<FaceMatchOutcome, 'no_face'>, number> = {
  match: 93.41257810592651,
  // isMatch false above FPT's own 80 threshold, as in a seed sample: clients must trust isMatch.
  mismatch: 81.81878813647025,
};

function meaning(code: string): string {
  return FPT_CODES.get(code)?.meaning ?? OK_MESSAGE;
}

interface FptRequestData {
  readonly hasReference: boolean;
}

function nativeJudged(plan: Extract<ScenarioPlan, { kind: 'judged' }>, hasReference: boolean): Record<string, unknown> {
  const { liveness } = plan;
  const livenessCode = plan.code === '301' || plan.code === '302' ? plan.code : '200';
  const faceMatchCode = !hasReference ? NA : plan.faceMatch === 'match' ? '200' : plan.faceMatch === 'mismatch' ? '303' : '407';
  // Top-level code/message copy the failing sub-result; a face-match failure needs a cmnd to exist.
  const code = plan.code === '303' || plan.code === '407' ? (hasReference ? plan.code : '200') : plan.code;
  return {
    code,
    message: code === '200' ? OK_MESSAGE : meaning(code),
    liveness: {
      code: livenessCode,
      message: livenessCode === '200' ? OK_MESSAGE : meaning(livenessCode),
      is_live: String(liveness.isLive),
      spoof_prob: liveness.spoofProb,
      need_to_review: String(liveness.needToReview),
      is_deepfake: liveness.deepfake ? String(liveness.deepfake.isDeepfake) : NA,
      deepfake_prob: liveness.deepfake?.prob ?? NA,
      warning: NA,
    },
    face_match: !hasReference
      ? FACE_MATCH_NA
      : plan.faceMatch === 'no_face'
        ? { ...FACE_MATCH_NA, code: '407', message: 'No faces detected' }
        : {
            code: faceMatchCode,
            message: faceMatchCode === '200' ? OK_MESSAGE : meaning(faceMatchCode),
            isMatch: String(plan.faceMatch === 'match'),
            similarity: String(SIMILARITY[plan.faceMatch]),
            warning: NA,
          },
  };
}

function flatJudged(plan: Extract<ScenarioPlan, { kind: 'judged' }>, hasReference: boolean): Record<string, unknown> {
  const { liveness } = plan;
  const faceMatch = !hasReference
    ? {}
    : plan.faceMatch === 'no_face'
      ? { face_match_error: { code: '407', data: 'No faces detected' } }
      : { face_match: { isMatch: plan.faceMatch === 'match', similarity: SIMILARITY[plan.faceMatch] }, face_match_error: {} };
  // The flat shape reports spoof / deepfake / mismatch as code 200 plus booleans (seed samples).
  return {
    code: '200',
    message: OK_MESSAGE,
    is_live: liveness.isLive,
    prob: liveness.spoofProb,
    need_to_review: liveness.needToReview,
    ...(liveness.deepfake ? { is_deepfake: liveness.deepfake.isDeepfake, deepfake_prob: liveness.deepfake.prob } : {}),
    ...faceMatch,
  };
}

function nativeCapture(code: string, detail: string): Record<string, unknown> {
  const notLive = code === '411' || code === '412' || code === '413';
  return {
    code,
    message: detail,
    liveness: {
      code,
      message: detail,
      is_live: notLive ? 'false' : NA,
      spoof_prob: NA,
      need_to_review: notLive ? 'false' : NA,
      is_deepfake: NA,
      deepfake_prob: NA,
      warning: NA,
    },
    face_match: FACE_MATCH_NA,
  };
}

function flatCapture(code: string, flat: Extract<ScenarioPlan, { kind: 'capture' }>['flat']): Record<string, unknown> {
  // `message` is "request successful." even on errors in the flat shape (seed).
  return flat === 'not_live'
    ? { code, message: OK_MESSAGE, is_live: false, need_to_review: false }
    : { code, message: OK_MESSAGE, data: flat.data };
}

function wantsFlat(req: SimRequest, options: Readonly<Record<string, string>> = {}): boolean {
  if (options.format === 'flat') return true;
  if (options.format === 'native') return false;
  const v2 = req.query.get('v2_format');
  return v2 === '1' || v2 === 'true';
}

function answerPlan(plan: ScenarioPlan, flat: boolean, hasReference: boolean): SimReply {
  switch (plan.kind) {
    case 'http':
      return jsonReply(plan.status, plan.body);
    case 'judged':
      return jsonReply(200, flat ? flatJudged(plan, hasReference) : nativeJudged(plan, hasReference));
    case 'capture':
      return jsonReply(
        200,
        flat
          ? flatCapture(plan.code, plan.flat)
          : nativeCapture(plan.code, plan.flat === 'not_live' ? meaning(plan.code) : plan.flat.data),
      );
  }
}

function invalidInput(req: SimRequest, detail: string, fields: readonly SimFieldSummary[] = []): DecodeResult<FptRequestData> {
  return { reject: answerPlan({ kind: 'capture', code: '409', flat: { data: detail } }, wantsFlat(req), false), fields };
}

// ---------------------------------------------------------------------------------------------
// Request decoding

const VIDEO_EXTENSIONS = ['mov', 'mp4', 'mkv', 'webm'];
// Not documented for `selfies`; the same kind of check is assumed.
const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png'];

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

function isFile(value: FormDataEntryValue): value is File {
  return typeof value !== 'string';
}

async function decodeFpt(req: SimRequest, apiKey: string): Promise<DecodeResult<FptRequestData>> {
  if (req.method !== 'POST') return { reject: jsonReply(405, { message: 'Method Not Allowed' }, { allow: 'POST' }) };
  const key = headerValue(req, 'api-key') ?? headerValue(req, 'api_key');
  if (key !== apiKey) return { reject: jsonReply(401, { message: 'Invalid API key' }) };

  const contentType = headerValue(req, 'content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) return invalidInput(req, 'No video uploaded');
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    return invalidInput(req, 'Invalid input');
  }

  const fields: SimFieldSummary[] = [];
  const files = new Map<string, File>();
  for (const [name, value] of form.entries()) {
    if (isFile(value)) {
      fields.push({ name, bytes: value.size, filename: value.name, contentType: value.type });
      files.set(name, value);
    } else {
      fields.push({ name, bytes: Buffer.byteLength(value) });
    }
  }
  const count = (name: string) => form.getAll(name).length;
  if (count('video') + count('selfies') !== 1 || count('cmnd') > 1) {
    return invalidInput(req, 'Send exactly one of video or selfies', fields);
  }
  const isVideo = count('video') === 1;
  const subject = files.get(isVideo ? 'video' : 'selfies');
  if (!subject || subject.size === 0) return invalidInput(req, 'No video uploaded', fields);
  const allowed = isVideo ? VIDEO_EXTENSIONS : IMAGE_EXTENSIONS;
  if (!allowed.includes(extensionOf(subject.name))) {
    return invalidInput(req, `Allowed extensions are ${allowed.join(', ')}`, fields);
  }
  const reference = files.get('cmnd');
  if (count('cmnd') === 1 && (!reference || reference.size === 0)) return invalidInput(req, 'Invalid cmnd image', fields);

  const media = [new Uint8Array(await subject.arrayBuffer())];
  if (reference) media.push(new Uint8Array(await reference.arrayBuffer()));
  return { media, fields, data: { hasReference: reference !== undefined } };
}

function isFptScenario(name: string): name is FptScenario {
  return (FPT_SCENARIOS as readonly string[]).includes(name);
}

function answerFpt(scenario: ScenarioSelection, decoded: DecodedRequest<FptRequestData>, req: SimRequest): SimReply {
  // The kit only passes names from FPT_SCENARIOS; the guard keeps the types honest.
  if (!isFptScenario(scenario.name)) return jsonReply(500, { message: `no plan for ${scenario.name}` });
  return answerPlan(PLANS[scenario.name], wantsFlat(req, scenario.options), decoded.data.hasReference);
}

/** Starts the FPT simulator on loopback; `url` is the endpoint to put in the FPT secret. */
export async function startFptSimulator(options: FptSimulatorOptions = {}): Promise<FptSimulator> {
  const apiKey = options.apiKey ?? FPT_SIMULATOR_DEFAULT_KEY;
  const running = await startSimulator<FptRequestData>(
    {
      name: 'fpt',
      path: FPT_SIMULATOR_PATH,
      scenarios: FPT_SCENARIOS,
      descriptions: FPT_SCENARIO_DESCRIPTIONS,
      sharedNames: FPT_SHARED_NAMES,
      secretHeaders: ['api-key', 'api_key'],
      decode: (req) => decodeFpt(req, apiKey),
      answer: answerFpt,
    },
    { port: options.port, host: options.host, defaultScenario: options.defaultScenario, latencyMs: options.latencyMs },
  );
  return endpointSimulator(running, FPT_SIMULATOR_PATH);
}

// Toolkit for provider contract simulators: a real HTTP server on loopback that a provider's
// simulator plugs its wire format into, with deterministic scenario selection and the transport
// faults every adapter must survive.
//
// How a simulator is built (see src/providers/fpt/simulator.ts for a complete one):
//   startSimulator({
//     name: 'acme', path: '/v1/liveness', scenarios: ['pass', 'spoof', …],
//     decode(req)  → { media, fields, data }   // the media bytes to scan, or { reject: reply }
//     answer(scenario, decoded, req) → reply   // the provider's body for a business scenario
//   }, { defaultScenario: 'pass' })
//
// Scenario selection, per request:
//   1. The media bytes returned by `decode` (decrypted / Base64-decoded by the simulator, so any
//      wire encoding works) are scanned for the ASCII marker `sim-scenario=<name>[&key=value…]`;
//      the first part, in `decode` order, that carries one wins, and within a part the last marker.
//      `withScenarioMarker` embeds one while keeping the file valid.
//   2. Otherwise the default scenario, set at start or at run time with
//      `PUT /__sim/scenario {"scenario":"name"}` (or `setDefaultScenario`).
// Control routes: `GET /__sim/scenarios` → every scenario with a one-line description,
// `PUT /__sim/scenario`, `GET /__sim/stats` → {calls, defaultScenario, inFlight, maxInFlight (the
// most requests ever open at once)}, `GET /__sim/requests` → the request log. They are not counted
// as calls. An unknown scenario is refused with the valid names.
//
// Shared names: where scenarios of different providers mean the same (`pass`, `spoof`, `no_face`,
// `multiple_faces`, `occluded`, …), each simulator accepts the shared name (`sharedNames`), and
// its own older name keeps working as an alias.
//
// Fault scenarios, available in every simulator (`&key=value` options in brackets):
//   fault_timeout         never answers; the socket is dropped by the client or by close()
//   fault_reset           reads the request, then resets the connection (TCP RST)
//   fault_500             HTTP 500 with a JSON error body
//   fault_429_then_ok     per media (SHA-256 of the decoded media): 429 + Retry-After
//                         [retry_after=seconds, default 1], then the pass answer; alternates
//                         so every fresh client call sees the pair again
//   fault_malformed_json  HTTP 200, application/json, the pass answer cut in half
//   fault_slow_body       HTTP 200 headers at once, then the pass answer one byte per
//                         interval [interval_ms, default 200] — slower than any client timeout
// The pass answer of a fault scenario is `answer('pass', …)` with the marker's options, so
// provider options such as `format=flat` still apply.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GatewayError } from '../core/errors';
import type { MediaFormat } from '../media/profiles';

export const SCENARIO_MARKER = 'sim-scenario=';

export const FAULT_SCENARIOS = [
  'fault_timeout',
  'fault_reset',
  'fault_500',
  'fault_429_then_ok',
  'fault_malformed_json',
  'fault_slow_body',
] as const;
export type FaultScenario = (typeof FAULT_SCENARIOS)[number];

export const FAULT_DESCRIPTIONS: Readonly<Record<FaultScenario, string>> = {
  fault_timeout: 'never answers (the client times out)',
  fault_reset: 'reads the request, then resets the connection',
  fault_500: 'HTTP 500 with a JSON error body',
  fault_429_then_ok: '429 with Retry-After [retry_after=seconds], then the pass answer for the same media',
  fault_malformed_json: 'HTTP 200 with the pass answer cut in half',
  fault_slow_body: 'the pass answer one byte per [interval_ms] (slower than any client timeout)',
};

/** One entry of GET /__sim/scenarios. */
export interface ScenarioListing {
  readonly name: string;
  readonly description: string;
  /** Other names that select the same scenario (a provider's own older name). */
  readonly aliases?: readonly string[];
}

/** A misuse of the kit (unknown scenario, bad marker, media that cannot carry one). */
export class SimulatorError extends GatewayError {}

// ---------------------------------------------------------------------------------------------
// Scenario names and markers

export interface ScenarioSelection {
  readonly name: string;
  /** `&key=value` pairs after the name, e.g. `format=flat`. */
  readonly options: Readonly<Record<string, string>>;
  readonly source: 'marker' | 'default';
}

const SCENARIO_TEXT = /^[a-z0-9_]+(?:&[a-z0-9_]+=[A-Za-z0-9_.-]*)*$/;
// Bytes that may continue a marker; anything else (a NUL, a box header, EOF) ends it.
const MARKER_CHAR = /[A-Za-z0-9_.&=-]/;

/** Parses `name[&key=value…]`; undefined when the text is not in that form. */
export function parseScenario(text: string): { readonly name: string; readonly options: Record<string, string> } | undefined {
  if (!SCENARIO_TEXT.test(text)) return undefined;
  const [name = '', ...pairs] = text.split('&');
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    options[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { name, options };
}

/** The scenario text of the first media part carrying a marker (the last marker within it). */
export function findScenarioMarker(media: readonly Uint8Array[]): string | undefined {
  for (const bytes of media) {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = buffer.lastIndexOf(SCENARIO_MARKER, undefined, 'latin1');
    if (at < 0) continue;
    let end = at + SCENARIO_MARKER.length;
    while (end < buffer.length && MARKER_CHAR.test(String.fromCharCode(buffer[end] ?? 0))) end++;
    return buffer.toString('latin1', at + SCENARIO_MARKER.length, end);
  }
  return undefined;
}

function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

// A top-level box of size 0 runs to the end of the file; appending after it would swallow the
// new box, so its size is made explicit first.
function closeOpenEndedBox(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= bytes.byteLength) {
    const size32 = view.getUint32(offset);
    if (size32 === 0) {
      const size = bytes.byteLength - offset;
      if (size > 0xffffffff) throw new SimulatorError('open-ended ISO BMFF box too large to close');
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(offset, size);
      return copy;
    }
    const size = size32 === 1 && offset + 16 <= bytes.byteLength ? Number(view.getBigUint64(offset + 8)) : size32;
    if (size < 8) throw new SimulatorError(`not an ISO BMFF file: box of size ${size} at offset ${offset}`);
    offset += size;
  }
  if (offset !== bytes.byteLength) throw new SimulatorError('not an ISO BMFF file: boxes do not end at the end of the file');
  return bytes;
}

function isoBox(type: string, payload: Uint8Array): Uint8Array {
  const box = new Uint8Array(8 + payload.byteLength);
  new DataView(box.buffer).setUint32(0, box.byteLength);
  box.set(new TextEncoder().encode(type), 4);
  box.set(payload, 8);
  return box;
}

/** EBML variable-size integer, shortest form; the all-ones value of each width means "unknown" and is skipped. */
export function ebmlSizeVint(size: number): Uint8Array {
  for (let width = 1; width <= 8; width++) {
    const max = 2 ** (7 * width) - 1;
    if (size < max) {
      const out = new Uint8Array(width);
      let rest = size;
      for (let i = width - 1; i >= 0; i--) {
        out[i] = rest % 256;
        rest = Math.floor(rest / 256);
      }
      out[0] = (out[0] ?? 0) | (0x80 >> (width - 1));
      return out;
    }
  }
  throw new SimulatorError(`EBML size ${size} too large`);
}

const EBML_VOID_ID = 0xec;

/**
 * Returns a copy of `bytes` carrying `sim-scenario=<scenario>` in a way the format ignores:
 * mp4/mov get a top-level `free` box, mkv/webm an EBML Void element (a global element, valid
 * after the Segment or inside an unknown-size Segment), jpeg/png the text after the end marker
 * (decoders stop at EOI / IEND).
 */
export function withScenarioMarker(bytes: Uint8Array, format: MediaFormat, scenario: string): Uint8Array {
  if (!parseScenario(scenario)) throw new SimulatorError(`"${scenario}" is not a scenario (name[&key=value…])`);
  return withIgnoredPayload(bytes, format, new TextEncoder().encode(`${SCENARIO_MARKER}${scenario}`));
}

/**
 * Returns a copy of `bytes` with `payload` where the format ignores it (as withScenarioMarker
 * places its marker): the same picture or video, different bytes. Benchmarks and load tests use it
 * to give every upload its own sha256, as real captures have, so the replayed-media check passes.
 */
export function withIgnoredPayload(bytes: Uint8Array, format: MediaFormat, payload: Uint8Array): Uint8Array {
  switch (format) {
    case 'mp4':
    case 'mov':
      return concatBytes(closeOpenEndedBox(bytes), isoBox('free', payload));
    case 'mkv':
    case 'webm':
      return concatBytes(bytes, Uint8Array.of(EBML_VOID_ID), ebmlSizeVint(payload.byteLength), payload);
    case 'jpeg':
    case 'png':
      return concatBytes(bytes, payload);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests, replies and the simulator contract

export interface SimRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Node's lower-cased headers. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface SimReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** A request header's first value (Node lower-cases header names). */
export function headerValue(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

// Standard alphabet, padded. A flat character class: a grouped repetition overflows V8's regex stack on a 30 MB value.
export function isStandardBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

export function jsonReply(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): SimReply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export function textReply(status: number, text: string, headers: Readonly<Record<string, string>> = {}): SimReply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: text };
}

/** What the request log keeps about one field: never its content. */
export interface SimFieldSummary {
  readonly name: string;
  readonly bytes: number;
  readonly filename?: string;
  readonly contentType?: string;
}

export interface DecodedRequest<D> {
  /** Media bytes as the provider would see them after decoding; scanned for the scenario marker. */
  readonly media: readonly Uint8Array[];
  readonly fields: readonly SimFieldSummary[];
  /** Whatever `answer` needs to know about the request (e.g. whether a reference photo came). */
  readonly data: D;
}

/** The provider refuses the request before looking at the media (wrong method, auth, malformed body). */
export interface RejectedRequest {
  readonly reject: SimReply;
  readonly fields?: readonly SimFieldSummary[];
}

export type DecodeResult<D> = DecodedRequest<D> | RejectedRequest;

export interface SimulatorSpec<D> {
  /** Short provider id, used in messages. */
  readonly name: string;
  /** The provider endpoint's path; other paths (outside /__sim/) answer 404. */
  readonly path: string;
  /** Business scenarios `answer` knows. Fault scenarios come from the kit. */
  readonly scenarios: readonly string[];
  /** One line per business scenario, for GET /__sim/scenarios. */
  readonly descriptions?: Readonly<Record<string, string>>;
  /** Names shared across simulators → this simulator's own scenario (which stays valid as an alias). */
  readonly sharedNames?: Readonly<Record<string, string>>;
  /** The business scenario fault scenarios fall back to. Default 'pass'. */
  readonly passScenario?: string;
  /** Header names (lower case) to blank in the request log, beyond the kit's key/auth/token pattern. */
  readonly secretHeaders?: readonly string[];
  decode(req: SimRequest): DecodeResult<D> | Promise<DecodeResult<D>>;
  answer(scenario: ScenarioSelection, decoded: DecodedRequest<D>, req: SimRequest): SimReply;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1: a simulator is never meant to be reachable from elsewhere. */
  readonly host?: string;
  /** Scenario text (`name[&key=value…]`) for requests without a marker. Default: the pass scenario. */
  readonly defaultScenario?: string;
  /** Larger request bodies get 413. Default 32 MiB. */
  readonly maxBodyBytes?: number;
  /** Added before every scenario answer (not faults), to stand in for the provider's own think time. */
  readonly latencyMs?: number;
}

export interface SimulatorStats {
  /** Requests to the provider (any path or method outside /__sim/), rejected ones included. */
  readonly calls: number;
  readonly defaultScenario: string;
  /** Provider requests open right now (read, being answered or held). */
  readonly inFlight: number;
  /** The most provider requests ever open at once: what a concurrency cap must bound. */
  readonly maxInFlight: number;
}

export interface SimLogEntry {
  readonly seq: number;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly search: string;
  /** Request headers; values of secret-looking ones replaced by "[redacted]". */
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBytes: number;
  readonly fields: readonly SimFieldSummary[];
  readonly scenario?: string;
  /** SHA-256 (hex) of each decoded media part, in the request's order: what the provider was sent. */
  readonly mediaSha256?: readonly string[];
  /** HTTP status sent, or what happened instead (held, reset). */
  readonly outcome?: number | 'held' | 'reset';
}

export interface RunningSimulator {
  /** `http://host:port`, no trailing slash. */
  readonly origin: string;
  stats(): SimulatorStats;
  /** The most recent requests (up to 500), oldest first. */
  requests(): readonly SimLogEntry[];
  setDefaultScenario(scenario: string): void;
  /** Stops listening and destroys every open connection, held and trickling ones included. */
  close(): Promise<void>;
}

/** A started simulator seen from outside: the full endpoint URL its adapter's secret points at. */
export interface EndpointSimulator {
  /** Full endpoint URL: what goes into the provider secret's `endpoint`. */
  readonly url: string;
  readonly origin: string;
  stats(): SimulatorStats;
  requests: RunningSimulator['requests'];
  setDefaultScenario(scenario: string): void;
  close(): Promise<void>;
}

export function endpointSimulator(running: RunningSimulator, path: string): EndpointSimulator {
  return {
    url: `${running.origin}${path}`,
    origin: running.origin,
    stats: () => running.stats(),
    requests: () => running.requests(),
    setDefaultScenario: (scenario) => running.setDefaultScenario(scenario),
    close: () => running.close(),
  };
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const LOG_LIMIT = 500;
const DEFAULT_RETRY_AFTER_SECONDS = 1;
const DEFAULT_SLOW_INTERVAL_MS = 200;
const SECRET_HEADER = /key|auth|token|secret|cookie|signature|password|app-id/i;

function isFault(name: string): name is FaultScenario {
  return (FAULT_SCENARIOS as readonly string[]).includes(name);
}

function isRejected<D>(result: DecodeResult<D>): result is RejectedRequest {
  return 'reject' in result;
}

type ReadBody = { readonly kind: 'ok'; readonly body: Buffer } | { readonly kind: 'too-large' };

function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        if (!tooLarge) resolve({ kind: 'too-large' });
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve({ kind: 'ok', body: Buffer.concat(chunks, size) });
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: SimReply): void {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.byteLength) });
  res.end(body);
}

function mediaHash(media: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const bytes of media) {
    hash.update(String(bytes.byteLength));
    hash.update(bytes);
  }
  return hash.digest('hex');
}

function positiveOption(options: Readonly<Record<string, string>>, key: string, fallback: number): number {
  const value = Number(options[key]);
  return options[key] !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Starts a simulator for `spec` on a real HTTP server. */
export async function startSimulator<D>(spec: SimulatorSpec<D>, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const passScenario = spec.passScenario ?? 'pass';
  if (!spec.scenarios.includes(passScenario)) {
    throw new SimulatorError(`${spec.name} simulator: pass scenario "${passScenario}" is not among its scenarios`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const secretHeaders = new Set((spec.secretHeaders ?? []).map((name) => name.toLowerCase()));

  const sharedNames = spec.sharedNames ?? {};
  for (const [shared, own] of Object.entries(sharedNames)) {
    if (!spec.scenarios.includes(own))
      throw new SimulatorError(`${spec.name} simulator: "${shared}" names no scenario ("${own}")`);
  }
  /** The scenario `answer` knows by this name (a shared name resolved), or undefined. */
  const resolveName = (name: string): string | undefined =>
    isFault(name) || spec.scenarios.includes(name) ? name : Object.hasOwn(sharedNames, name) ? sharedNames[name] : undefined;
  const listing: ScenarioListing[] = spec.scenarios.map((own) => {
    const shared = Object.keys(sharedNames).filter((name) => sharedNames[name] === own);
    const [name = own, ...otherShared] = shared;
    const aliases = [...otherShared, ...(name === own ? [] : [own])];
    return { name, description: spec.descriptions?.[own] ?? '', ...(aliases.length > 0 ? { aliases } : {}) };
  });
  const validNames = `valid: ${[...listing.map((entry) => entry.name), ...FAULT_SCENARIOS].join(', ')} (GET /__sim/scenarios describes them)`;
  const unknownScenario = (text: string): string => `unknown ${spec.name} simulator scenario "${text}"; ${validNames}`;

  const checkScenario = (text: string): { name: string; options: Record<string, string> } => {
    const parsed = parseScenario(text);
    const name = parsed ? resolveName(parsed.name) : undefined;
    if (!parsed || name === undefined) throw new SimulatorError(unknownScenario(text));
    return { name, options: parsed.options };
  };
  let defaultScenario = options.defaultScenario ?? passScenario;
  checkScenario(defaultScenario);

  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let seq = 0;
  const log: SimLogEntry[] = [];
  // Media hashes whose last fault_429_then_ok call got the 429.
  const throttled = new Set<string>();
  const sockets = new Set<Socket>();
  const cleanups = new Set<() => void>();

  const redactHeaders = (headers: IncomingHttpHeaders): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      out[name] =
        SECRET_HEADER.test(name) || secretHeaders.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  };

  const record = (entry: SimLogEntry): SimLogEntry => {
    log.push(entry);
    if (log.length > LOG_LIMIT) log.shift();
    return entry;
  };

  const replyWithPass = (selection: ScenarioSelection, decoded: DecodedRequest<D>, req: SimRequest): SimReply =>
    spec.answer({ name: passScenario, options: selection.options, source: selection.source }, decoded, req);

  const runFault = (
    fault: FaultScenario,
    selection: ScenarioSelection,
    decoded: DecodedRequest<D>,
    req: SimRequest,
    res: ServerResponse,
  ): number | 'held' | 'reset' => {
    switch (fault) {
      case 'fault_timeout':
        // Nothing is sent; close() or the client's abort ends the socket.
        return 'held';
      case 'fault_reset':
        res.socket?.resetAndDestroy();
        return 'reset';
      case 'fault_500':
        send(res, jsonReply(500, { error: 'Internal Server Error (simulated)' }));
        return 500;
      case 'fault_429_then_ok': {
        const key = mediaHash(decoded.media);
        if (throttled.delete(key)) {
          const reply = replyWithPass(selection, decoded, req);
          send(res, reply);
          return reply.status;
        }
        throttled.add(key);
        const retryAfter = positiveOption(selection.options, 'retry_after', DEFAULT_RETRY_AFTER_SECONDS);
        send(res, jsonReply(429, { error: 'Too Many Requests (simulated)' }, { 'retry-after': String(Math.round(retryAfter)) }));
        return 429;
      }
      case 'fault_malformed_json': {
        const body = Buffer.from(replyWithPass(selection, decoded, req).body ?? '{}');
        send(res, {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: body.subarray(0, Math.floor(body.length / 2)),
        });
        return 200;
      }
      case 'fault_slow_body': {
        const reply = replyWithPass(selection, decoded, req);
        const body = Buffer.from(reply.body ?? '');
        const interval = positiveOption(selection.options, 'interval_ms', DEFAULT_SLOW_INTERVAL_MS);
        // No content-length: chunked, so the client cannot know how much is still to come.
        res.writeHead(reply.status, { ...reply.headers });
        res.flushHeaders();
        let sent = 0;
        const timer = setInterval(
          () => {
            if (sent >= body.length) {
              stop();
              res.end();
              return;
            }
            res.write(body.subarray(sent, sent + 1));
            sent++;
          },
          Math.max(1, interval),
        );
        const stop = () => {
          clearInterval(timer);
          cleanups.delete(stop);
        };
        cleanups.add(stop);
        res.on('close', stop);
        return reply.status;
      }
    }
  };

  const latencyMs = options.latencyMs ?? 0;
  const handleProvider = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    calls++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // 'close' comes once per response: sent in full, reset, or dropped by the client.
    res.once('close', () => inFlight--);
    const base = {
      seq: ++seq,
      at: new Date().toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      headers: redactHeaders(req.headers),
    };
    const read = await readBody(req, maxBodyBytes);
    if (read.kind === 'too-large') {
      record({ ...base, bodyBytes: maxBodyBytes, fields: [], outcome: 413 });
      send(res, jsonReply(413, { error: `request body over ${maxBodyBytes} bytes` }, { connection: 'close' }));
      return;
    }
    const simReq: SimRequest = {
      method: base.method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: read.body,
    };
    if (url.pathname !== spec.path) {
      record({ ...base, bodyBytes: read.body.length, fields: [], outcome: 404 });
      send(res, jsonReply(404, { error: 'Not Found' }));
      return;
    }
    const decoded = await spec.decode(simReq);
    if (isRejected(decoded)) {
      record({ ...base, bodyBytes: read.body.length, fields: decoded.fields ?? [], outcome: decoded.reject.status });
      send(res, decoded.reject);
      return;
    }
    const marker = findScenarioMarker(decoded.media);
    const text = marker ?? defaultScenario;
    const parsed = parseScenario(text);
    const name = parsed ? resolveName(parsed.name) : undefined;
    const entry = {
      ...base,
      bodyBytes: read.body.length,
      fields: decoded.fields,
      scenario: text,
      mediaSha256: decoded.media.map((bytes) => createHash('sha256').update(bytes).digest('hex')),
    };
    if (!parsed || name === undefined) {
      record({ ...entry, outcome: 400 });
      send(res, jsonReply(400, { error: unknownScenario(text) }, { 'x-sim-error': 'unknown-scenario' }));
      return;
    }
    const selection: ScenarioSelection = { name, options: parsed.options, source: marker === undefined ? 'default' : 'marker' };
    if (isFault(selection.name)) {
      record({ ...entry, outcome: runFault(selection.name, selection, decoded, simReq, res) });
      return;
    }
    const reply = spec.answer(selection, decoded, simReq);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    record({ ...entry, outcome: reply.status });
    send(res, reply);
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method ?? ''} ${url.pathname}`;
    if (route === 'GET /__sim/stats') return send(res, jsonReply(200, { calls, defaultScenario, inFlight, maxInFlight }));
    if (route === 'GET /__sim/scenarios') {
      return send(
        res,
        jsonReply(200, {
          provider: spec.name,
          defaultScenario,
          marker: `${SCENARIO_MARKER}<name>[&key=value…] inside the media, or PUT /__sim/scenario {"scenario":"<name>"}`,
          scenarios: listing,
          faults: FAULT_SCENARIOS.map((fault) => ({ name: fault, description: FAULT_DESCRIPTIONS[fault] })),
        }),
      );
    }
    if (route === 'GET /__sim/requests') return send(res, jsonReply(200, log));
    if (route === 'PUT /__sim/scenario') {
      const read = await readBody(req, 64 * 1024);
      let scenario: unknown;
      try {
        scenario = read.kind === 'ok' ? (JSON.parse(read.body.toString('utf8')) as { scenario?: unknown }).scenario : undefined;
      } catch {
        scenario = undefined;
      }
      if (typeof scenario !== 'string') return send(res, jsonReply(400, { error: 'body must be {"scenario":"name"}' }));
      try {
        checkScenario(scenario);
      } catch (error) {
        return send(res, jsonReply(400, { error: error instanceof Error ? error.message : unknownScenario(scenario) }));
      }
      defaultScenario = scenario;
      return send(res, jsonReply(200, { defaultScenario }));
    }
    send(res, jsonReply(404, { error: 'unknown simulator control route' }));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const handler = url.pathname.startsWith('/__sim/') ? handleControl : handleProvider;
    handler(req, res, url).catch((error: unknown) => {
      // A simulator bug must be loud and distinguishable from fault_500.
      if (!res.headersSent) {
        send(
          res,
          jsonReply(
            500,
            { error: `${spec.name} simulator failure: ${error instanceof Error ? error.message : String(error)}` },
            { 'x-sim-error': 'internal' },
          ),
        );
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new SimulatorError(`${spec.name} simulator: not listening on TCP`);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    origin: `http://${host}:${address.port}`,
    stats: () => ({ calls, defaultScenario, inFlight, maxInFlight }),
    requests: () => [...log],
    setDefaultScenario: (scenario) => {
      checkScenario(scenario);
      defaultScenario = scenario;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const cleanup of [...cleanups]) cleanup();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

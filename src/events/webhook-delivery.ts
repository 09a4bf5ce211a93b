// One delivery attempt of one event to one endpoint, the retry schedule around it, and what the
// audit trail keeps of it. The endpoint URL is operator configuration, but it is still a URL the
// gateway's network will call: every address it resolves to is checked (SSRF) and the connection
// is pinned to the checked addresses, so a DNS answer cannot change between check and connect.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutcomeEvent } from './envelope';
import { webhookHeaders } from './standard-webhooks';
import { GatewayError } from '../core/errors';

/** No answer within this is a failed attempt (design: 10 s). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookUrlPolicy {
  /** Allow `http://` (local only; deployed endpoints must be `https://`). */
  readonly allowHttp?: boolean;
  /** Allow loopback, private, link-local and other non-public addresses (local only). */
  readonly allowPrivate?: boolean;
}

export type WebhookUrlProblem = 'INVALID_URL' | 'INSECURE_URL' | 'UNRESOLVABLE_HOST' | 'PRIVATE_ADDRESS';

export class WebhookUrlError extends GatewayError {
  constructor(
    readonly problem: WebhookUrlProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Not reachable as a public endpoint: "this network", private, carrier-grade NAT, loopback,
// link-local (169.254.169.254 is the instance metadata service), IETF protocol assignments,
// documentation, benchmarking, multicast, reserved and broadcast.
const BLOCKED_IPV4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
// IPv6 is allowed only inside global unicast (2000::/3), which already leaves out ::, ::1,
// IPv4-mapped and -compatible addresses, NAT64, unique local fc00::/7 (fd00:ec2::254 is the
// metadata service), link-local fe80::/10 and multicast. Inside it, these are refused: Teredo and
// 6to4 tunnel to an embedded IPv4 address, the rest are documentation or special purpose.
const GLOBAL_IPV6: readonly [string, number][] = [['2000::', 3]];
const BLOCKED_IPV6: readonly [string, number][] = [
  ['2001::', 32],
  ['2001:2::', 48],
  ['2001:10::', 28],
  ['2001:20::', 28],
  ['2001:db8::', 32],
  ['2002::', 16],
];

function blockList(ranges: readonly [string, number][], family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
  return list;
}
const blockedV4 = blockList(BLOCKED_IPV4, 'ipv4');
const globalV6 = blockList(GLOBAL_IPV6, 'ipv6');
const blockedV6 = blockList(BLOCKED_IPV6, 'ipv6');

/** Whether an IP address may be called as a public webhook endpoint. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blockedV4.check(address, 'ipv4');
  if (family === 6) {
    const plain = address.replace(/%.*$/, ''); // a zone id marks a link-local address anyway
    return globalV6.check(plain, 'ipv6') && !blockedV6.check(plain, 'ipv6');
  }
  return false;
}

export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolve: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

export interface CheckedEndpoint {
  readonly url: URL;
  /** The addresses the connection may use: all of them passed the policy. */
  readonly addresses: readonly LookupAddress[];
}

/** Parses the URL, applies the scheme rule, resolves the host and checks every address. */
export async function checkWebhookUrl(
  url: string,
  policy: WebhookUrlPolicy = {},
  resolve: ResolveHost = systemResolve,
): Promise<CheckedEndpoint> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new WebhookUrlError('INVALID_URL', 'the webhook URL does not parse', { cause: error });
  }
  if (parsed.protocol !== 'https:' && !(policy.allowHttp && parsed.protocol === 'http:')) {
    throw new WebhookUrlError('INSECURE_URL', `webhook URLs must be https:// (got ${parsed.protocol})`);
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: readonly LookupAddress[];
  const literal = isIP(hostname);
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal }];
  } else {
    try {
      addresses = await resolve(hostname);
    } catch (error) {
      throw new WebhookUrlError('UNRESOLVABLE_HOST', `cannot resolve ${hostname}`, { cause: error });
    }
    if (addresses.length === 0) throw new WebhookUrlError('UNRESOLVABLE_HOST', `${hostname} has no address`);
  }
  if (!policy.allowPrivate) {
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) {
      throw new WebhookUrlError('PRIVATE_ADDRESS', `${hostname} resolves to a non-public address (${refused.address})`);
    }
  }
  return { url: parsed, addresses };
}

export type DeliveryFailure = WebhookUrlProblem | 'TIMEOUT' | 'CONNECTION_FAILED' | 'HTTP_STATUS';

export interface DeliveryResult {
  /** 2xx: delivered. */
  readonly ok: boolean;
  /** Worth another attempt later: every failure except a URL the policy refuses or cannot parse. */
  readonly retryable: boolean;
  readonly status?: number;
  /** From the request leaving until the status line arrived (or the failure). */
  readonly ms: number;
  readonly failure?: DeliveryFailure;
}

export interface DeliverWebhookInput {
  readonly url: string;
  readonly event: OutcomeEvent;
  readonly secrets: readonly string[];
  readonly policy?: WebhookUrlPolicy;
  readonly timeoutMs?: number;
  /** Unix seconds of this attempt (default now). */
  readonly now?: number;
  readonly resolve?: ResolveHost;
}

/**
 * POSTs the signed envelope once. Never throws for the endpoint's behaviour: every outcome is a
 * DeliveryResult. Redirects are not followed (a 3xx is a failed attempt, as Standard Webhooks asks).
 */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let endpoint: CheckedEndpoint;
  try {
    endpoint = await checkWebhookUrl(input.url, input.policy, input.resolve);
  } catch (error) {
    if (!(error instanceof WebhookUrlError)) throw error;
    // A host that does not resolve may resolve later; a refused URL needs its configuration fixed.
    return { ok: false, retryable: error.problem === 'UNRESOLVABLE_HOST', ms: elapsed(), failure: error.problem };
  }

  const body = JSON.stringify(input.event);
  const headers = {
    ...webhookHeaders({
      id: input.event.id,
      timestamp: input.now ?? Math.floor(Date.now() / 1000),
      body,
      secrets: input.secrets,
    }),
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'liveness-gateway-webhooks',
  };
  const signal = AbortSignal.timeout(input.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
  const options: RequestOptions = {
    method: 'POST',
    headers,
    signal,
    // A fresh connection per attempt, to one of the checked addresses only.
    agent: false,
    lookup: pinnedLookup(endpoint.addresses),
  };
  const send = endpoint.url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<DeliveryResult>((resolve) => {
    const settle = (result: DeliveryResult): void => {
      resolve(result);
      request.destroy();
    };
    const request: ClientRequest = send(endpoint.url, options, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      // The answer's body is not read: it is the receiver's, and nothing here needs it.
      response.resume();
      settle({ ok, retryable: !ok, status, ms: elapsed(), ...(ok ? {} : { failure: 'HTTP_STATUS' }) });
    });
    request.on('error', () => {
      settle({ ok: false, retryable: true, ms: elapsed(), failure: signal.aborted ? 'TIMEOUT' : 'CONNECTION_FAILED' });
    });
    request.end(body);
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function pinnedLookup(addresses: readonly LookupAddress[]): RequestOptions['lookup'] {
  return ((_hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    const first = addresses[0];
    if (options.all) callback(null, [...addresses]);
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error('no checked address'), { code: 'ENOTFOUND' }), '', 0);
  }) as RequestOptions['lookup'];
}

// ---------------------------------------------------------------------------------------------
// Retry schedule: exponential back-off with full jitter (a random delay between 0 and the
// exponential ceiling), so receivers coming back after an outage are not hit by every sender at once.

export interface RetrySchedule {
  /** Ceiling of the first retry's delay; each retry doubles it. */
  readonly baseSeconds: number;
  readonly capSeconds: number;
  /** Keep retrying until the first attempt is at least this old… */
  readonly minSpanSeconds: number;
  /** …and at least this many attempts were made; never more than maxAttempts. */
  readonly minAttempts: number;
  readonly maxAttempts: number;
}

/**
 * Deployed: ceilings 5 s, 10 s, 20 s … doubling up to 4 h. Attempts go on until the first one is
 * 24 h old, so the last attempt always comes at least 24 h after the first. With the jitter that
 * is 24 attempts on average (18 when every delay is near its ceiling), the last one about 25 h
 * after the first. The 40-attempt limit only bounds a freak run of near-zero delays (20 000
 * simulated runs needed at most 34). After the last attempt the event goes to the dead-letter
 * queue and an alarm fires.
 */
export const DEPLOYED_RETRY_SCHEDULE: RetrySchedule = {
  baseSeconds: 5,
  capSeconds: 4 * 60 * 60,
  minSpanSeconds: 24 * 60 * 60,
  minAttempts: 1,
  maxAttempts: 40,
};

/** Local: the first retry within 1 s, then 2, 4, 8, 16 s ceilings: 6 attempts within 31 s at most. */
export const LOCAL_RETRY_SCHEDULE: RetrySchedule = {
  baseSeconds: 1,
  capSeconds: 30,
  minSpanSeconds: 0,
  minAttempts: 6,
  maxAttempts: 6,
};

/**
 * Seconds to wait before the next attempt, after `attemptsMade` attempts of which the first was
 * `elapsedSeconds` ago; undefined when delivery should stop. `random` returns [0, 1).
 */
export function nextRetryDelaySeconds(
  schedule: RetrySchedule,
  attemptsMade: number,
  elapsedSeconds: number,
  random: () => number = Math.random,
): number | undefined {
  if (attemptsMade >= schedule.maxAttempts) return undefined;
  if (attemptsMade >= schedule.minAttempts && elapsedSeconds >= schedule.minSpanSeconds) return undefined;
  const ceiling = Math.min(schedule.capSeconds, schedule.baseSeconds * 2 ** Math.max(0, attemptsMade - 1));
  return random() * ceiling;
}

export interface DeliverWithRetriesOptions {
  readonly schedule: RetrySchedule;
  /**
   * Called after every attempt, e.g. to write the audit record. `exhausted`: a failed attempt after
   * which no other will be made (the schedule ended or no retry can fix it); not set when stopped.
   */
  readonly onAttempt?: (attempt: number, result: DeliveryResult, exhausted: boolean) => void | Promise<void>;
  readonly random?: () => number;
  readonly signal?: AbortSignal;
}

/**
 * Attempts in-process until one is delivered, a failure is not retryable, or the schedule ends
 * (the local stack's delivery; deployed, each attempt is its own queued message). Returns the last result.
 */
export async function deliverWithRetries(
  input: DeliverWebhookInput,
  options: DeliverWithRetriesOptions,
): Promise<DeliveryResult> {
  const firstAttemptAt = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    const result = await deliverWebhook(input);
    const delay =
      result.ok || !result.retryable
        ? undefined
        : nextRetryDelaySeconds(options.schedule, attempt, (Date.now() - firstAttemptAt) / 1000, options.random);
    await options.onAttempt?.(attempt, result, !result.ok && delay === undefined);
    if (delay === undefined || options.signal?.aborted) return result;
    await sleep(delay * 1000, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    if (options.signal?.aborted) return result;
  }
}

// ---------------------------------------------------------------------------------------------

export interface WebhookAttemptAudit {
  readonly eventId: string;
  readonly eventType: string;
  /** Host (and port) only: a path or query string may carry the receiver's own token. */
  readonly endpointHost: string;
  readonly attempt: number;
  readonly ok: boolean;
  readonly retryable: boolean;
  readonly status?: number;
  readonly latencyMs: number;
  readonly failure?: DeliveryFailure;
  /** Set on the last attempt of a delivery given up for good: the receiver will not get this event. */
  readonly exhausted?: true;
}

/** What the audit trail keeps of one attempt: never the secret, the signature or the body. */
export function webhookAttemptAudit(
  event: Pick<OutcomeEvent, 'id' | 'type'>,
  url: string,
  attempt: number,
  result: DeliveryResult,
  exhausted = false,
): WebhookAttemptAudit {
  let endpointHost: string;
  try {
    endpointHost = new URL(url).host;
  } catch {
    endpointHost = '(invalid URL)';
  }
  return {
    eventId: event.id,
    eventType: event.type,
    endpointHost,
    attempt,
    ok: result.ok,
    retryable: result.retryable,
    ...(result.status === undefined ? {} : { status: result.status }),
    latencyMs: result.ms,
    ...(result.failure === undefined ? {} : { failure: result.failure }),
    ...(exhausted && !result.ok ? { exhausted: true as const } : {}),
  };
}

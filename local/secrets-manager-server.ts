/**
 * Local Secrets Manager: an in-memory HTTP server speaking the service's JSON 1.1 protocol
 * (GetSecretValue, CreateSecret, PutSecretValue), so the real SecretsManagerClient — and the
 * adapter's caching — run unchanged against it. No AWS emulator for it exists here.
 *
 *   const sm = await startLocalSecretsManager();
 *   sm.setSecret('liveness/fpt', { apiKey: '…' });    // creates, or adds a new current version
 *   createAwsClients({ …, endpoints: { secretsManager: sm.endpoint } });
 *   await sm.close();
 *
 * Signatures are not verified (only an Authorization header is required, as the SDK always
 * sends one). Secret values are never logged or echoed in errors.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, listen, readBody, RequestTooLargeError } from './http-util';
import { GatewayError } from '../src/core/errors';

export interface LocalSecretsManagerOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
}

export interface LocalSecretsManager {
  readonly endpoint: string;
  /** Stores value as the secret's JSON SecretString: creates the secret or adds a new AWSCURRENT version. */
  setSecret(name: string, value: object): void;
  close(): Promise<void>;
}

interface SecretVersion {
  readonly versionId: string;
  readonly secretString: string;
  readonly createdDate: number;
}

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  current: SecretVersion;
  previous?: SecretVersion;
}

/** An AWS JSON protocol error: `{__type, message}` with an HTTP status. */
class ServiceError extends GatewayError {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Secrets Manager's own limit on a SecretString is 64 KB; the envelope needs a little more. */
const MAX_REQUEST_BYTES = 128 * 1024;
const TARGET_PREFIX = 'secretsmanager.';

export async function startLocalSecretsManager(options: LocalSecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const secrets = new Map<string, StoredSecret>();

  const find = (secretId: unknown): StoredSecret => {
    if (typeof secretId !== 'string' || secretId.length === 0) {
      throw new ServiceError('InvalidParameterException', 'SecretId is required.');
    }
    const byName = secrets.get(secretId);
    if (byName !== undefined) return byName;
    for (const secret of secrets.values()) if (secret.arn === secretId) return secret;
    throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  };

  const newVersion = (secretString: string, versionId?: unknown): SecretVersion => ({
    versionId: typeof versionId === 'string' && versionId.length > 0 ? versionId : randomUUID(),
    secretString,
    createdDate: Date.now() / 1000,
  });

  const create = (name: string, secretString: string, versionId?: unknown): StoredSecret => {
    // Real ARNs end in a random 6-character suffix so a re-created name gets a new ARN.
    const suffix = randomBytes(4).toString('base64url').slice(0, 6);
    const secret: StoredSecret = {
      arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`,
      name,
      current: newVersion(secretString, versionId),
    };
    secrets.set(name, secret);
    return secret;
  };

  const putValue = (secret: StoredSecret, secretString: string, versionId?: unknown): SecretVersion => {
    secret.previous = secret.current;
    secret.current = newVersion(secretString, versionId);
    return secret.current;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    GetSecretValue: (input) => {
      const secret = find(input.SecretId);
      const version = pickVersion(secret, input.VersionId, input.VersionStage);
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        SecretString: version.secretString,
        VersionStages: [version === secret.current ? 'AWSCURRENT' : 'AWSPREVIOUS'],
        CreatedDate: version.createdDate,
      };
    },
    CreateSecret: (input) => {
      const name = input.Name;
      if (typeof name !== 'string' || name.length === 0) throw new ServiceError('InvalidParameterException', 'Name is required.');
      if (typeof input.SecretString !== 'string') {
        throw new ServiceError('InvalidRequestException', 'Only SecretString secrets are supported locally.');
      }
      if (secrets.has(name)) {
        throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
      }
      const secret = create(name, input.SecretString, input.ClientRequestToken);
      return { ARN: secret.arn, Name: secret.name, VersionId: secret.current.versionId };
    },
    PutSecretValue: (input) => {
      const secret = find(input.SecretId);
      if (typeof input.SecretString !== 'string') {
        throw new ServiceError('InvalidRequestException', 'Only SecretString secrets are supported locally.');
      }
      const version = putValue(secret, input.SecretString, input.ClientRequestToken);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: ['AWSCURRENT'] };
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    try {
      if (request.method !== 'POST') throw new ServiceError('UnknownOperationException', 'Only POST is supported.', 404);
      if (request.headers.authorization === undefined) {
        throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      const target = request.headers['x-amz-target'];
      const operationName =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
      const operation = operationName === undefined ? undefined : operations[operationName];
      if (operation === undefined) throw new ServiceError('UnknownOperationException', 'Unknown operation.');
      let input: unknown;
      try {
        const body = await readBody(request, MAX_REQUEST_BYTES);
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch (error) {
        if (error instanceof RequestTooLargeError) throw new ServiceError('InvalidRequestException', error.message, 413);
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new ServiceError('SerializationException', 'The request body must be a JSON object.');
      }
      send(response, 200, requestId, operation({ ...input }));
    } catch (error) {
      const serviceError =
        error instanceof ServiceError
          ? error
          : new ServiceError('InternalServiceError', 'Internal error in the local stand-in.', 500);
      send(response, serviceError.status, requestId, { __type: serviceError.type, message: serviceError.message });
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  const port = await listen(server, options.port ?? 0, host);

  return {
    endpoint: `http://${host}:${port}`,
    setSecret: (name, value) => {
      const secretString = JSON.stringify(value);
      const existing = secrets.get(name);
      if (existing === undefined) create(name, secretString);
      else putValue(existing, secretString);
    },
    close: () => closeServer(server),
  };
}

function pickVersion(secret: StoredSecret, versionId: unknown, versionStage: unknown): SecretVersion {
  const candidates = [secret.current, ...(secret.previous !== undefined ? [secret.previous] : [])];
  if (typeof versionId === 'string') {
    const match = candidates.find((version) => version.versionId === versionId);
    if (match === undefined) {
      throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for VersionId.");
    }
    return match;
  }
  if (versionStage === undefined || versionStage === 'AWSCURRENT') return secret.current;
  if (versionStage === 'AWSPREVIOUS' && secret.previous !== undefined) return secret.previous;
  throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label.");
}

function send(response: ServerResponse, status: number, requestId: string, body: Record<string, unknown>): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': requestId,
  });
  response.end(payload);
}

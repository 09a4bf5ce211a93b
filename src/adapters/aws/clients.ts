// SDK clients, created once per cold start (or once per local stack) and handed to the adapters.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClientsOptions {
  readonly region?: string;
  readonly endpoints?: {
    readonly s3?: string;
    readonly dynamodb?: string;
    readonly secretsManager?: string;
  };
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamo: DynamoDBDocumentClient;
  readonly secrets: SecretsManagerClient;
}

type CommonOptions = Pick<AwsClientsOptions, 'region' | 'credentials'>;

// Only defined keys are passed, so an absent option never shadows the SDK's default chain.
function common(options: CommonOptions) {
  return {
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.credentials !== undefined
      ? { credentials: { accessKeyId: options.credentials.accessKeyId, secretAccessKey: options.credentials.secretAccessKey } }
      : {}),
  };
}

/**
 * One factory per client, so a Lambda entry that needs only DynamoDB bundles only DynamoDB.
 * Without options each uses the SDK's default chains (region, credentials and the
 * AWS_ENDPOINT_URL_* variables), which is what a Lambda function wants.
 */
export function createS3Client(options: CommonOptions & { endpoint?: string } = {}): S3Client {
  return new S3Client({
    ...common(options),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // The default (WHEN_SUPPORTED) adds flexible checksums that corrupt streamed uploads to the
    // local stand-in and bake an empty-body checksum into presigned URLs that real S3 rejects.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createDynamoDocumentClient(options: CommonOptions & { endpoint?: string } = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...common(options), ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

export function createSecretsManagerClient(options: CommonOptions & { endpoint?: string } = {}): SecretsManagerClient {
  return new SecretsManagerClient({
    ...common(options),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  });
}

export function createAwsClients(options: AwsClientsOptions = {}): AwsClients {
  const { endpoints, ...rest } = options;
  const withEndpoint = (endpoint: string | undefined) => ({ ...rest, ...(endpoint !== undefined ? { endpoint } : {}) });
  return {
    s3: createS3Client(withEndpoint(endpoints?.s3)),
    dynamo: createDynamoDocumentClient(withEndpoint(endpoints?.dynamodb)),
    secrets: createSecretsManagerClient(withEndpoint(endpoints?.secretsManager)),
  };
}

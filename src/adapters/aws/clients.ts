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

/**
 * Without options every client uses the SDK's default chains (region, credentials and the
 * AWS_ENDPOINT_URL_* variables), which is what a Lambda function wants.
 */
export function createAwsClients(options: AwsClientsOptions = {}): AwsClients {
  // Only defined keys are passed, so an absent option never shadows the SDK's default chain.
  const common = {
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.credentials !== undefined
      ? {
          credentials: {
            accessKeyId: options.credentials.accessKeyId,
            secretAccessKey: options.credentials.secretAccessKey,
          },
        }
      : {}),
  };
  const s3Endpoint = options.endpoints?.s3;
  const dynamoEndpoint = options.endpoints?.dynamodb;
  const secretsEndpoint = options.endpoints?.secretsManager;

  const s3 = new S3Client({
    ...common,
    ...(s3Endpoint !== undefined ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
    // The default (WHEN_SUPPORTED) adds flexible checksums that corrupt streamed uploads to the
    // local stand-in and bake an empty-body checksum into presigned URLs that real S3 rejects.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...common, ...(dynamoEndpoint !== undefined ? { endpoint: dynamoEndpoint } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const secrets = new SecretsManagerClient({
    ...common,
    ...(secretsEndpoint !== undefined ? { endpoint: secretsEndpoint } : {}),
  });
  return { s3, dynamo, secrets };
}

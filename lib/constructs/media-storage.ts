// The private media bucket (and its access-log bucket): browsers upload with presigned POST
// forms, uploads under checks/ notify a queue, and a lifecycle rule is the safety net behind the
// gateway's own deletions.
import { Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { MEDIA_PREFIX, type GatewayFunction } from '../gateway-function';
import { assertNoProblems, corsOriginProblems } from './props-check';
import { DEFAULT_REMOVAL_POLICY, type StatefulOptions } from './shared-options';

export interface MediaStorageOptions extends StatefulOptions {
  /** Browser origins allowed to upload to the bucket and poll the API. An empty list allows none. */
  readonly corsOrigins: readonly string[];
}

const DAY_SECONDS = 86_400;
const ACCESS_LOG_RETENTION = Duration.days(90);

function uploadCorsRule(origins: readonly string[]): s3.CorsRule {
  return { allowedMethods: [s3.HttpMethods.POST], allowedOrigins: [...origins], allowedHeaders: ['*'], maxAge: 3000 };
}

export class MediaStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  private safetyNetAdded = false;

  constructor(scope: Construct, id: string, props: MediaStorageOptions) {
    super(scope, id);
    assertNoProblems('MediaStorage', corsOriginProblems(props.corsOrigins));
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;
    const key = props.encryptionKey;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: ACCESS_LOG_RETENTION }],
      removalPolicy,
    });

    this.bucket = new s3.Bucket(this, 'MediaBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      ...(key ? { encryptionKey: key, bucketKeyEnabled: true } : {}),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      // Browsers upload with presigned POST forms; nothing else is allowed cross-origin.
      ...(props.corsOrigins.length > 0 ? { cors: [uploadCorsRule(props.corsOrigins)] } : {}),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'media-bucket/',
      autoDeleteObjects: false,
      removalPolicy,
    });
  }

  /**
   * Adds the lifecycle rule under `checks/`. Safety net only: the gateway deletes media itself, at
   * a time it records (the processor after the decision, the sweep for expired checks and kept
   * media, the erase route on request). The rule catches what they missed (a crash between upload
   * and record, an upload for an unknown check), so it fires no sooner than `keptAtMost` (rounded up
   * to whole days, at least one) and never before the gateway's own deletion.
   */
  expireUnprocessedMedia(keptAtMost: Duration): void {
    if (this.safetyNetAdded) throw new Error('MediaStorage: the unprocessed-media rule is already set');
    this.safetyNetAdded = true;
    this.bucket.addLifecycleRule({
      id: 'expire-unprocessed-media',
      prefix: MEDIA_PREFIX,
      expiration: Duration.days(Math.max(1, Math.ceil(keptAtMost.toSeconds() / DAY_SECONDS))),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
  }

  /** Lets pages served from `origin` (may be a deploy-time token) upload with presigned POST forms. */
  allowUploadsFrom(origin: string): void {
    this.bucket.addCorsRule(uploadCorsRule([origin]));
  }

  /** Sends a notification to the queue for every object created under `checks/`. */
  notifyUploads(queue: sqs.IQueue): void {
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(queue), {
      prefix: MEDIA_PREFIX,
    });
    this.suppressBucketNotificationsHandlerFindings();
  }

  /** Lets the function sign presigned POST forms for uploads under `checks/`. */
  grantUpload(fn: GatewayFunction): void {
    fn.bindMediaUpload(this.bucket);
  }

  /** Lets the function read uploaded parts under `checks/`. */
  grantReadMedia(fn: GatewayFunction): void {
    fn.bindMediaRead(this.bucket);
  }

  /** Lets the function delete uploaded parts under `checks/`. */
  grantDeleteMedia(fn: GatewayFunction): void {
    fn.bindMediaDelete(this.bucket);
  }

  /** The singleton CDK creates (at stack level) to configure bucket notifications is CDK's code, not ours. */
  private suppressBucketNotificationsHandlerFindings(): void {
    const handlers = Stack.of(this).node.children.filter((child) => child.node.id.startsWith('BucketNotificationsHandler'));
    NagSuppressions.addResourceSuppressions(
      handlers,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'CDK-provided deploy-time handler that configures the bucket notification (its s3:PutBucketNotification is scoped to the media bucket); the managed AWSLambdaBasicExecutionRole only lets it write logs.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
      ],
      true,
    );
  }
}

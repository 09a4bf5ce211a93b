// The capture page (web/) on a private S3 bucket behind CloudFront: origin access control, HTTPS
// only, and security headers on every response. The page is built at synth time (esbuild, locally,
// no Docker) as the asset's bundling step, so stacks synthesised without bundling never build it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Duration, Stack, type ILocalBundling } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { assertNoProblems, corsOriginProblems } from './props-check';
import { DEFAULT_REMOVAL_POLICY, type StatefulOptions } from './shared-options';

export interface CapturePageHostingOptions {
  /**
   * Hosts the capture page on S3 + CloudFront and allows its origin in the API's and the media
   * bucket's CORS.
   * @default false
   */
  readonly capturePage?: boolean;
}

export interface CapturePageHostingProps extends Pick<StatefulOptions, 'removalPolicy'> {
  /** The bucket the page bucket's S3 server access logs go to (SSE-S3, bucket-owner enforced). */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Origins the page may connect to besides its own (the API's poll route, the media bucket's
   * presigned POST forms); wildcard hosts like `https://*.s3.eu-west-1.amazonaws.com` allowed.
   */
  readonly connectOrigins: readonly string[];
}

const WEB_DIR = fileURLToPath(new URL('../../web', import.meta.url));
const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the page with web/serve.ts's `buildCapturePage` (async) in a child process, synchronously. */
const buildPageLocally: ILocalBundling = {
  tryBundle(outputDir: string): boolean {
    const script = `import(${JSON.stringify(`${WEB_DIR}/serve.ts`)}).then((m) => m.buildCapturePage(${JSON.stringify(outputDir)}))`;
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: REPO_DIR,
      stdio: 'inherit',
    });
    return true;
  },
};

export class CapturePageHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  /** `https://<distribution domain>` (a token): the page's origin, for CORS. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: CapturePageHostingProps) {
    super(scope, id);
    assertNoProblems('CapturePageHosting', corsOriginProblems(props.connectOrigins, 'connectOrigins', true));
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;

    this.bucket = new s3.Bucket(this, 'PageBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'capture-page-bucket/',
      removalPolicy,
    });

    // The page uploads with fetch POST to the media bucket and polls the API; its script, model
    // and wasm files come from its own origin (tfjs compiles wasm: 'wasm-unsafe-eval').
    const csp = [
      "default-src 'self'",
      "script-src 'self' 'wasm-unsafe-eval'",
      `connect-src 'self' ${props.connectOrigins.join(' ')}`.trim(),
      "img-src 'self' blob: data:",
      "media-src 'self' blob:",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Liveness Gateway capture page security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Permissions-Policy', value: 'camera=(self)', override: true }],
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Liveness Gateway capture page',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;

    // Built only when the stack is bundled; the output hash covers the face files from node_modules.
    const page = s3deploy.Source.asset(WEB_DIR, {
      assetHashType: AssetHashType.OUTPUT,
      // The local build always succeeds or throws, so the image is never pulled.
      bundling: { image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'), local: buildPageLocally },
    });
    // `aws s3 sync` guesses content types from Python's table; wasm is set explicitly so the
    // browser may compile it streaming (WebAssembly.instantiateStreaming needs application/wasm).
    const files = new s3deploy.BucketDeployment(this, 'DeployPage', {
      sources: [page],
      destinationBucket: this.bucket,
      exclude: ['*.wasm'],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    const wasm = new s3deploy.BucketDeployment(this, 'DeployWasm', {
      sources: [page],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['*.wasm'],
      contentType: 'application/wasm',
      prune: false,
      memoryLimit: 512,
    });
    wasm.node.addDependency(files);
    this.suppressFindings();
  }

  private suppressFindings(): void {
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The capture page serves users in every country the operator onboards; no geo restriction applies.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only (GET/HEAD, cached); the API behind the page has its own throttling. A WAF web ACL can be attached by the operator.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'CloudFront standard logging needs an ACL-enabled bucket; the access-log bucket enforces bucket-owner ownership (no ACLs). The page bucket has S3 server access logs.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'With the default *.cloudfront.net certificate CloudFront fixes the minimum viewer protocol at TLSv1 (CDK ignores a minimumProtocolVersion without a custom certificate); browsers that use the camera negotiate TLS 1.2+ anyway.',
      },
    ]);
    // The deployment's handler (one per stack, CDK's code) copies the built page into the bucket.
    const handlers = Stack.of(this).node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    NagSuppressions.addResourceSuppressions(
      [...handlers, this],
      [
        {
          id: 'AwsSolutions-IAM4',
          reason: "CDK's BucketDeployment handler: the managed AWSLambdaBasicExecutionRole only lets it write its logs.",
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "CDK's BucketDeployment handler: reads the page asset (cdk assets bucket) and writes/deletes objects in the page bucket only; CloudFront invalidations have no resource-level ARN narrower than the distribution.",
        },
        {
          id: 'AwsSolutions-L1',
          reason: "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib and upgraded with it.",
        },
      ],
      true,
    );
  }
}

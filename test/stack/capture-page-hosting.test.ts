// The capture page's hosting: a private bucket read by CloudFront through origin access control,
// HTTPS only, security headers, and its origin allowed in the API's and the media bucket's CORS.
// Bundling is skipped (aws:cdk:bundling-stacks = []) except in the one test that builds the page.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CapturePageHosting } from '../../lib/constructs/capture-page-hosting';
import { beforeAll, describe, expect, it } from 'vitest';
import { LivenessGatewayStack, type LivenessGatewayStackProps } from '../../lib/liveness-gateway-stack';
import { bundlingApp, logicalId, nagFindings, newApp } from './synth-helpers';

const SYNTH_TIMEOUT_MS = 60_000;

const BASE_PROPS: LivenessGatewayStackProps = {
  providers: [{ id: 'fpt' }],
  defaultProvider: 'fpt',
  corsOrigins: ['https://app.example.com'],
};

function synth(props: Partial<LivenessGatewayStackProps>) {
  const app = newApp();
  const stack = new LivenessGatewayStack(app, 'Gateway', { ...BASE_PROPS, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

/** `https://<distribution domain>` as CloudFormation renders the token. */
const pageOrigin = (distributionId: string) => ({
  'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
});

describe('LivenessGatewayStack with capturePage', () => {
  let stack: LivenessGatewayStack;
  let template: Template;
  let distributionId: string;
  let pageBucketId: string;

  beforeAll(() => {
    ({ stack, template } = synth({ capturePage: true }));
    const hosting = stack.parts.capturePage;
    if (!hosting) throw new Error('capturePage: true made no CapturePageHosting');
    distributionId = logicalId(hosting.distribution);
    pageBucketId = logicalId(hosting.bucket);
  }, SYNTH_TIMEOUT_MS);

  it('reads the private page bucket through origin access control, granting CloudFront only for this distribution', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'capture-page-bucket/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: pageBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': Match.arrayWith([
                    Match.arrayWith([Match.stringLikeRegexp(':distribution/$'), { Ref: distributionId }]),
                  ]),
                },
              },
            },
          }),
        ]),
      },
    });
    const origins = template.findResources('AWS::CloudFront::Distribution')[distributionId]?.Properties?.DistributionConfig
      ?.Origins as { S3OriginConfig?: { OriginAccessIdentity?: string } }[];
    expect(origins).toHaveLength(1);
    expect(origins[0]?.S3OriginConfig?.OriginAccessIdentity).toBe('');
  });

  it('serves index.html at the root over HTTPS only, redirecting plain HTTP', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
      }),
    });
  });

  it('sends a strict CSP, HSTS, nosniff, no-referrer and a camera-only permissions policy with every response', () => {
    const policies = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policies).toHaveLength(1);
    const config = policies[0]?.Properties?.ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: {
        ContentSecurityPolicy: { ContentSecurityPolicy: unknown; Override: boolean };
        StrictTransportSecurity: { AccessControlMaxAgeSec: number; IncludeSubdomains: boolean };
        ContentTypeOptions: { Override: boolean };
        ReferrerPolicy: { ReferrerPolicy: string };
      };
      CustomHeadersConfig: { Items: { Header: string; Value: string }[] };
    };
    const csp = JSON.stringify(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "connect-src 'self' https://*.execute-api.",
      "img-src 'self' blob: data:",
      "media-src 'self' blob:",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).toMatch(/https:\/\/\*\.s3\.",\{"Ref":"AWS::Region"\},"\.amazonaws\.com/);
    expect(csp).not.toContain('unsafe-inline');
    expect(config.SecurityHeadersConfig.ContentSecurityPolicy.Override).toBe(true);
    expect(config.SecurityHeadersConfig.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
    expect(config.SecurityHeadersConfig.ContentTypeOptions.Override).toBe(true);
    expect(config.SecurityHeadersConfig.ReferrerPolicy.ReferrerPolicy).toBe('no-referrer');
    expect(config.CustomHeadersConfig.Items).toContainEqual(
      expect.objectContaining({ Header: 'Permissions-Policy', Value: 'camera=(self)' }),
    );
  });

  it("allows the page's origin beside the configured ones in the API's and the media bucket's CORS", () => {
    const apiCors = Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0]?.Properties?.CorsConfiguration as {
      AllowOrigins: unknown[];
    };
    expect(apiCors.AllowOrigins).toEqual(['https://app.example.com', pageOrigin(distributionId)]);

    const mediaBucket = template.findResources('AWS::S3::Bucket')[logicalId(stack.mediaBucket)];
    const rules = mediaBucket?.Properties?.CorsConfiguration?.CorsRules as {
      AllowedOrigins: unknown[];
      AllowedMethods: string[];
    }[];
    expect(rules.map((rule) => rule.AllowedOrigins)).toEqual([['https://app.example.com'], [pageOrigin(distributionId)]]);
    expect(rules.every((rule) => rule.AllowedMethods.join() === 'POST')).toBe(true);
  });

  it('deploys the page, wasm files as application/wasm, and outputs its URL', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(2);
    expect(deployments.map((d) => d.Properties?.DestinationBucketName)).toEqual([{ Ref: pageBucketId }, { Ref: pageBucketId }]);
    expect(deployments).toContainEqual(
      expect.objectContaining({
        Properties: expect.objectContaining({
          Exclude: ['*'],
          Include: ['*.wasm'],
          SystemMetadata: { 'content-type': 'application/wasm' },
          Prune: false,
        }),
      }),
    );
    // The other deployment leaves the wasm files alone (neither uploads them untyped nor prunes them).
    expect(deployments).toContainEqual(
      expect.objectContaining({ Properties: expect.objectContaining({ Exclude: ['*.wasm'], DistributionPaths: ['/*'] }) }),
    );
    template.hasOutput('CapturePageUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] },
    });
  });

  it('passes the cdk-nag AWS Solutions checks (every suppression explained in code)', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('LivenessGatewayStack without capturePage (default)', () => {
  it(
    'creates no distribution, no page bucket, no deployment and no page output',
    () => {
      const { stack, template } = synth({});

      template.resourceCountIs('AWS::CloudFront::Distribution', 0);
      template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 0);
      template.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 0);
      template.resourceCountIs('Custom::CDKBucketDeployment', 0);
      template.resourceCountIs('AWS::S3::Bucket', 2); // the media bucket and its access-log bucket
      expect(Object.keys(template.findOutputs('CapturePageUrl'))).toEqual([]);
      expect(stack.parts.capturePage).toBeUndefined();
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('CapturePageHosting props', () => {
  it('refuses a connect origin with a path, before creating anything, and accepts a wildcard host', () => {
    const stack = new Stack(newApp(), 'Page');
    const accessLogsBucket = new s3.Bucket(stack, 'Logs');

    expect(
      () =>
        new CapturePageHosting(stack, 'Bad', {
          accessLogsBucket,
          connectOrigins: ['https://*.s3.eu-west-1.amazonaws.com', 'https://api.example.com/v1'],
        }),
    ).toThrow(/Invalid CapturePageHosting props:\n- connectOrigins: "https:\/\/api\.example\.com\/v1" is not an origin/);
    expect(stack.node.tryFindChild('Bad')?.node.children).toEqual([]);
  });
});

describe('CapturePageHosting bundling', () => {
  it(
    'builds the page (index.html, app.js, app.css, the face guide and its wasm) into the deployed asset',
    () => {
      // Prepare: a stack holding only the hosting, so bundling builds the page and nothing else.
      const outdir = mkdtempSync(join(tmpdir(), 'capture-page-'));
      try {
        const stack = new Stack(bundlingApp(outdir), 'Page');
        const accessLogsBucket = new s3.Bucket(stack, 'Logs');

        // Act
        new CapturePageHosting(stack, 'CapturePage', { accessLogsBucket, connectOrigins: [] });

        // Assess: both deployments ship the same built folder.
        const keys = Object.values(Template.fromStack(stack).findResources('Custom::CDKBucketDeployment')).map(
          (d) => (d.Properties?.SourceObjectKeys as string[])[0],
        );
        expect(new Set(keys).size).toBe(1);
        const assetDir = join(outdir, `asset.${String(keys[0]).replace(/\.zip$/, '')}`);
        expect(readdirSync(assetDir).sort()).toEqual(['app.css', 'app.js', 'app.js.map', 'face', 'index.html']);
        expect(readdirSync(join(assetDir, 'face')).filter((name) => name.endsWith('.wasm'))).toHaveLength(3);
        expect(readFileSync(join(assetDir, 'index.html'), 'utf8')).toContain('app.js');
      } finally {
        if (existsSync(outdir)) rmSync(outdir, { recursive: true, force: true });
      }
    },
    SYNTH_TIMEOUT_MS,
  );
});

// The HTTP API: seven routes, each with its own function and least-privilege role. SigV4 on the
// backend routes (or a JWT on create), the poll route authorised by its handler, a throttled
// default stage with access logs that carry no headers.
import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { GatewayConfig } from '../../src/core/config';
import {
  DEFAULT_LOG_RETENTION,
  functionEntry,
  GatewayFunction,
  loggingOf,
  type FunctionLoggingOptions,
} from '../gateway-function';
import type { CheckTables } from './check-tables';
import type { MediaStorage, MediaStorageOptions } from './media-storage';
import { assertNoProblems, corsOriginProblems, isHttpsUrl } from './props-check';
import { DEFAULT_REMOVAL_POLICY, type StatefulOptions } from './shared-options';

export interface ApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface JwtAuthorizerProps {
  /** The identity provider's issuer URL (the `iss` claim), e.g. a Cognito user pool's `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** Accepted `aud` (or Cognito `client_id`) values; at least one. */
  readonly audience: readonly string[];
}

export interface GatewayApiOptions extends Pick<MediaStorageOptions, 'corsOrigins'> {
  /**
   * Authorise `POST /v1/checks` with JWTs from this issuer instead of SigV4. The result and delete
   * routes stay IAM-only: they read and erase biometric outcomes, which stays with AWS principals.
   * @default - IAM on every backend route
   */
  readonly jwtAuthorizer?: JwtAuthorizerProps;
  /** @default { rateLimit: 50, burstLimit: 100 } */
  readonly apiThrottle?: ApiThrottle;
}

export interface GatewayApiProps extends GatewayApiOptions, FunctionLoggingOptions, Pick<StatefulOptions, 'removalPolicy'> {
  /** The parsed configuration every route's function runs with. */
  readonly gatewayConfig: GatewayConfig;
  readonly storage: MediaStorage;
  readonly tables: CheckTables;
}

export type RouteFunctionName =
  | 'createCheck'
  | 'getCheck'
  | 'getCheckResult'
  | 'getCheckAudit'
  | 'eraseCheck'
  | 'listReviews'
  | 'getCheckMedia'
  | 'reviewCheck';

const DEFAULT_THROTTLE: ApiThrottle = { rateLimit: 50, burstLimit: 100 };

// No headers: the Authorization header carries the poll token.
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  // The JWT variant's caller: the subject, never the token.
  jwtSubject: '$context.authorizer.claims.sub',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

export class GatewayApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly functions: Readonly<Record<RouteFunctionName, GatewayFunction>>;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const throttle = props.apiThrottle ?? DEFAULT_THROTTLE;
    const jwt = props.jwtAuthorizer;
    const problems = corsOriginProblems(props.corsOrigins);
    if (jwt) {
      if (!isHttpsUrl(jwt.issuer)) problems.push(`jwtAuthorizer.issuer: "${jwt.issuer}" is not an https URL`);
      if (jwt.audience.length === 0 || jwt.audience.some((aud) => aud.trim().length === 0))
        problems.push('jwtAuthorizer.audience: give at least one non-empty audience');
    }
    if (throttle.rateLimit <= 0 || throttle.burstLimit <= 0)
      problems.push('apiThrottle: rateLimit and burstLimit must be positive');
    assertNoProblems('GatewayApi', problems);

    const { storage, tables } = props;
    const routeFunction = (name: string, entry: string, route: string): GatewayFunction =>
      new GatewayFunction(this, name, {
        gatewayConfig: props.gatewayConfig,
        ...loggingOf(props),
        entry: functionEntry(entry),
        description: `Liveness Gateway ${route}`,
      });

    const createCheck = routeFunction('CreateCheck', 'create-check', 'POST /v1/checks');
    // CheckRepository.create: one conditional PutItem.
    tables.grantCheckOperations(createCheck, ['create']);
    // The attempt cap's conditional counter (UpdateItem), and a GetItem to say how long to wait;
    // nothing when the cap is off.
    if (props.gatewayConfig.maxAttemptsPerApplicant > 0) tables.grantApplicantCounters(createCheck);
    tables.grantAuditLog(createCheck);
    storage.grantUpload(createCheck);

    const getCheck = routeFunction('GetCheck', 'get-check', 'GET /v1/checks/{checkId}');
    tables.grantCheckOperations(getCheck, ['get']);

    const getCheckResult = routeFunction('GetCheckResult', 'get-check-result', 'GET /v1/checks/{checkId}/result');
    tables.grantCheckOperations(getCheckResult, ['get']);

    const eraseCheck = routeFunction('EraseCheck', 'erase-check', 'DELETE /v1/checks/{checkId}');
    // get → media → tombstone PutItem (with check.erased in its outbox) → publish → UpdateItem that
    // clears the outbox; an already-erased check is answered from its audit tombstone (Query).
    tables.grantCheckOperations(eraseCheck, ['get', 'erase', 'update']);
    tables.grantAuditLog(eraseCheck, 'appendAndRead');
    storage.grantDeleteMedia(eraseCheck);

    const getCheckAudit = routeFunction('GetCheckAudit', 'get-check-audit', 'GET /v1/checks/{checkId}/audit');
    tables.grantAuditLog(getCheckAudit, 'read');

    const listReviews = routeFunction('ListReviews', 'list-reviews', 'GET /v1/reviews');
    tables.grantReviewIndexQuery(listReviews);

    // Signs presigned GETs with its own role: the links can read objects under checks/ and nothing else.
    const getCheckMedia = routeFunction('GetCheckMedia', 'get-check-media', 'GET /v1/checks/{checkId}/media/{part}');
    tables.grantCheckOperations(getCheckMedia, ['get']);
    tables.grantAuditLog(getCheckMedia);
    storage.grantReadMedia(getCheckMedia);

    // get → conditional UpdateItem (the review) → delete the media → markMediaDeleted (UpdateItem).
    const reviewCheck = routeFunction('ReviewCheck', 'review-check', 'POST /v1/checks/{checkId}/review');
    tables.grantCheckOperations(reviewCheck, ['get', 'update']);
    tables.grantAuditLog(reviewCheck);
    storage.grantDeleteMedia(reviewCheck);
    this.functions = {
      createCheck,
      getCheck,
      getCheckResult,
      getCheckAudit,
      eraseCheck,
      listReviews,
      getCheckMedia,
      reviewCheck,
    };

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Liveness Gateway API',
      createDefaultStage: false,
      // HTTP API CORS is API-wide; only GET with a bearer token is allowed, which is the poll
      // route's shape (the other GET route needs a SigV4 signature a browser does not have).
      ...(props.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              // With a JWT authoriser the browser creates checks itself, so POST (with a JSON body) is allowed too.
              allowMethods: jwt ? [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST] : [apigwv2.CorsHttpMethod.GET],
              allowHeaders: jwt ? ['authorization', 'content-type'] : ['authorization'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.removalPolicy ?? DEFAULT_REMOVAL_POLICY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });

    const iamAuthorizer = new HttpIamAuthorizer();
    this.httpApi.addRoutes({
      path: '/v1/checks',
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('CreateCheckIntegration', createCheck.function),
      authorizer: jwt
        ? new HttpJwtAuthorizer('CreateCheckJwtAuthorizer', jwt.issuer, { jwtAudience: [...jwt.audience] })
        : iamAuthorizer,
    });
    const pollRoutes = this.httpApi.addRoutes({
      path: '/v1/checks/{checkId}',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetCheckIntegration', getCheck.function),
    });
    NagSuppressions.addResourceSuppressions(pollRoutes, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'The poll route is called by end-user browsers that hold no AWS credentials; the handler authorises each call against the hashed per-check poll token issued by the IAM-authorised create route.',
      },
    ]);
    this.httpApi.addRoutes({
      path: '/v1/checks/{checkId}/result',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetCheckResultIntegration', getCheckResult.function),
      authorizer: iamAuthorizer,
    });
    this.httpApi.addRoutes({
      path: '/v1/checks/{checkId}/audit',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetCheckAuditIntegration', getCheckAudit.function),
      authorizer: iamAuthorizer,
    });
    this.httpApi.addRoutes({
      path: '/v1/checks/{checkId}',
      methods: [apigwv2.HttpMethod.DELETE],
      integration: new HttpLambdaIntegration('EraseCheckIntegration', eraseCheck.function),
      authorizer: iamAuthorizer,
    });
    this.httpApi.addRoutes({
      path: '/v1/reviews',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('ListReviewsIntegration', listReviews.function),
      authorizer: iamAuthorizer,
    });
    this.httpApi.addRoutes({
      path: '/v1/checks/{checkId}/media/{part}',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetCheckMediaIntegration', getCheckMedia.function),
      authorizer: iamAuthorizer,
    });
    this.httpApi.addRoutes({
      path: '/v1/checks/{checkId}/review',
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('ReviewCheckIntegration', reviewCheck.function),
      authorizer: iamAuthorizer,
    });
  }
}

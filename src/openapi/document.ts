// The OpenAPI 3.1 document of API v1, generated from the same zod schemas the handlers and the
// typed client use. Routes come from a table: a new route (or a field added to a schema) is one
// entry (or one schema change), then `npm run openapi`.
import * as z from 'zod';
import {
  attemptLimitResponseSchema,
  auditEntryViewSchema,
  auditTrailSchema,
  checkIdSchema,
  checkResultViewSchema,
  checkStatusSchema,
  checkStatusViewSchema,
  createCheckRequestSchema,
  consentSchema,
  createCheckResponseSchema,
  decisionSchema,
  erasureReceiptSchema,
  errorResponseSchema,
  mediaFactsSchema,
  mediaUrlResponseSchema,
  partNameSchema,
  providerIdSchema,
  reasonCodeSchema,
  reasonSchema,
  reviewQueueQuerySchema,
  reviewQueueResponseSchema,
  reviewRequestSchema,
  uploadInstructionsSchema,
} from '../core/api-schemas';
import { reviewSchema } from '../core/check';

/** API Gateway's own refusals (IAM, throttling, payload limits) carry this body, not ours. */
export const gatewayMessageSchema = z.object({ message: z.string() });

/** Named schemas under components/schemas; any of them used inside another becomes a $ref. */
export const COMPONENT_SCHEMAS = {
  CreateCheckRequest: createCheckRequestSchema,
  CreateCheckResponse: createCheckResponseSchema,
  CheckStatusView: checkStatusViewSchema,
  CheckResultView: checkResultViewSchema,
  ErasureReceipt: erasureReceiptSchema,
  ReviewQueue: reviewQueueResponseSchema,
  ReviewRequest: reviewRequestSchema,
  Review: reviewSchema,
  MediaUrl: mediaUrlResponseSchema,
  AuditTrail: auditTrailSchema,
  AuditEntry: auditEntryViewSchema,
  Consent: consentSchema,
  UploadInstructions: uploadInstructionsSchema,
  MediaFacts: mediaFactsSchema,
  Reason: reasonSchema,
  ReasonCode: reasonCodeSchema,
  CheckStatus: checkStatusSchema,
  Decision: decisionSchema,
  PartName: partNameSchema,
  ProviderId: providerIdSchema,
  Error: errorResponseSchema,
  GatewayMessage: gatewayMessageSchema,
  TooManyRequests: z
    .union([attemptLimitResponseSchema, gatewayMessageSchema])
    .describe('The attempt cap (ATTEMPT_LIMIT_REACHED, with Retry-After) or API Gateway throttling ({message})'),
} as const satisfies Record<string, z.ZodType>;

export type ComponentName = keyof typeof COMPONENT_SCHEMAS;
export type Security = 'sigv4' | 'pollToken';

export interface ResponseSpec {
  readonly description: string;
  /** No schema: an empty body. */
  readonly schema?: ComponentName;
}

export interface RouteSpec {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** `{name}` segments must be in PATH_PARAMETERS. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly security: Security;
  readonly requestBody?: ComponentName;
  /** A body that must be sent (default: every field optional, so the body may be left out). */
  readonly requestBodyRequired?: boolean;
  /** The query string's parameters, one per key of the object schema. */
  readonly query?: z.ZodObject;
  /** Route-specific answers; the errors every route shares are added by the builder. */
  readonly responses: Readonly<Record<number, ResponseSpec>>;
}

export const PATH_PARAMETERS: Readonly<Record<string, { readonly schema: z.ZodType; readonly description: string }>> = {
  checkId: { schema: checkIdSchema, description: 'The checkId returned by POST /v1/checks' },
  part: { schema: partNameSchema, description: 'One of the parts the check declared' },
};

export const ROUTES: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/v1/checks',
    operationId: 'createCheck',
    summary: 'Create a check: presigned upload forms and a poll token',
    description:
      'Backend route. The backend hands the frontend only checkId, uploads and pollToken. An unknown provider, a parts combination the provider cannot take, or a malformed body is a 400 that says which.',
    security: 'sigv4',
    requestBody: 'CreateCheckRequest',
    responses: {
      201: { description: 'The check, waiting for its uploads', schema: 'CreateCheckResponse' },
      400: { description: 'The request is malformed or asks for something this deployment cannot do', schema: 'Error' },
      429: {
        description:
          'The applicant reached the attempt cap (error.code ATTEMPT_LIMIT_REACHED, error.retryAfterSeconds and a Retry-After header), or API Gateway throttled the call',
        schema: 'TooManyRequests',
      },
    },
  },
  {
    method: 'get',
    path: '/v1/checks/{checkId}',
    operationId: 'getCheckStatus',
    summary: 'Poll a check: status, decision and user-facing reasons (no scores)',
    description: 'Frontend route, authorised by the poll token alone.',
    security: 'pollToken',
    responses: {
      200: { description: 'The check as the frontend may see it', schema: 'CheckStatusView' },
      401: {
        description: 'Missing, wrong or foreign token, or an unknown check: the answer does not reveal which',
        schema: 'Error',
      },
    },
  },
  {
    method: 'get',
    path: '/v1/checks/{checkId}/result',
    operationId: 'getCheckResult',
    summary: 'Read the full normalised result',
    description: 'Backend route.',
    security: 'sigv4',
    responses: {
      200: { description: 'Scores, reasons, media facts, provider reference and timings', schema: 'CheckResultView' },
      404: { description: 'No such check', schema: 'Error' },
    },
  },
  {
    method: 'get',
    path: '/v1/checks/{checkId}/audit',
    operationId: 'getCheckAudit',
    summary: "Read a check's audit trail, oldest step first",
    description:
      'Backend route, for compliance exports and support. The trail outlives an erasure (its tombstone says what was erased).',
    security: 'sigv4',
    responses: {
      200: { description: 'Every recorded step', schema: 'AuditTrail' },
      404: { description: 'No check with this id ever had a trail', schema: 'Error' },
    },
  },
  {
    method: 'delete',
    path: '/v1/checks/{checkId}',
    operationId: 'eraseCheck',
    summary: 'Erase a check: its media, result and poll token',
    description: 'Backend route, idempotent: erasing an erased check returns the original receipt with alreadyErased true.',
    security: 'sigv4',
    responses: {
      200: { description: 'What was erased', schema: 'ErasureReceipt' },
      404: { description: 'No such check, and none was erased', schema: 'Error' },
    },
  },
  {
    method: 'get',
    path: '/v1/reviews',
    operationId: 'listReviews',
    summary: 'The review queue: checks awaiting a person, oldest decision first',
    description:
      'Backend route. Lists COMPLETED checks whose decision is REVIEW, not yet reviewed, whose media is still kept (the review window).',
    security: 'sigv4',
    query: reviewQueueQuerySchema,
    responses: {
      200: { description: 'One page of the queue', schema: 'ReviewQueue' },
      400: { description: 'A malformed limit or a nextToken this API did not hand out', schema: 'Error' },
    },
  },
  {
    method: 'get',
    path: '/v1/checks/{checkId}/media/{part}',
    operationId: 'getCheckMedia',
    summary: 'A short-lived link to one stored part of a check',
    description:
      'Backend route. A presigned GET valid for at most 5 minutes, only while the media is kept. Every call is audited (MEDIA_VIEWED).',
    security: 'sigv4',
    responses: {
      200: { description: 'The link and when it stops working', schema: 'MediaUrl' },
      404: { description: 'No such check, or its media for this part is gone (code MEDIA_NOT_FOUND)', schema: 'Error' },
    },
  },
  {
    method: 'post',
    path: '/v1/checks/{checkId}/review',
    operationId: 'reviewCheck',
    summary: 'Settle a REVIEW check with a person’s decision',
    description:
      "Backend route. The result then carries the reviewer's decision as decision, and review with the previous decision; the provider's reasons and scores stay. The media is deleted.",
    security: 'sigv4',
    requestBody: 'ReviewRequest',
    requestBodyRequired: true,
    responses: {
      200: { description: 'The updated result', schema: 'CheckResultView' },
      400: { description: 'A malformed body', schema: 'Error' },
      404: { description: 'No such check (or it was erased)', schema: 'Error' },
      409: { description: 'The check is not awaiting review: not REVIEW, or already reviewed', schema: 'Error' },
    },
  },
];

const SHARED_RESPONSES: Readonly<Record<Security, Readonly<Record<number, ResponseSpec>>>> = {
  sigv4: {
    403: {
      description: 'API Gateway refused the SigV4 signature or the caller lacks execute-api:Invoke',
      schema: 'GatewayMessage',
    },
    429: { description: 'Throttled by API Gateway; retry later', schema: 'GatewayMessage' },
    500: { description: 'Something went wrong on our side (no detail is given)', schema: 'Error' },
  },
  pollToken: {
    429: { description: 'Throttled by API Gateway; poll more slowly', schema: 'GatewayMessage' },
    500: { description: 'Something went wrong on our side (no detail is given)', schema: 'Error' },
  },
};

const SECURITY_SCHEMES = {
  sigv4: {
    type: 'apiKey',
    name: 'Authorization',
    in: 'header',
    description:
      "AWS Signature Version 4 for the service execute-api, from the operator backend's IAM credentials; the caller needs execute-api:Invoke on the route. Not enforced by the local stack (npm start).",
    'x-amazon-apigateway-authtype': 'awsSigv4',
  },
  pollToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'The pollToken returned by POST /v1/checks, valid for that check only.',
  },
} as const;

const REF_PREFIX = '#/components/schemas/';

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export function componentSchemas(): Record<ComponentName, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENT_SCHEMAS)) registry.add(schema, { id });
  // 'input': what a reader of the answer must accept. Response objects are open (a later version
  // may add a field); request objects that are strict say so with additionalProperties: false.
  const generated = z.toJSONSchema(registry, { io: 'input', uri: (id) => `${REF_PREFIX}${id}` });
  const out: Partial<Record<ComponentName, JsonObject>> = {};
  for (const name of Object.keys(COMPONENT_SCHEMAS) as ComponentName[]) {
    const schema = generated.schemas[name];
    if (schema === undefined) throw new Error(`zod generated no schema for ${name}`);
    // The dialect is declared once for the document; "$id" with a fragment is not valid 2020-12.
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    out[name] = toJson(rest);
  }
  return out as Record<ComponentName, JsonObject>;
}

export function buildOpenApiDocument(): JsonObject {
  const schemas = componentSchemas();
  const ref = (name: ComponentName): JsonObject => ({ $ref: `${REF_PREFIX}${name}` });
  const paths: Record<string, JsonObject> = {};

  for (const route of ROUTES) {
    const parameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => {
      const parameter = PATH_PARAMETERS[name];
      if (!parameter) throw new Error(`${route.path}: no PATH_PARAMETERS entry for {${name}}`);
      const { $schema: _dialect, ...schema } = z.toJSONSchema(parameter.schema, { io: 'input' });
      return { name, in: 'path', required: true, description: parameter.description, schema: toJson(schema) };
    });
    for (const [name, field] of Object.entries(route.query?.shape ?? {})) {
      const { $schema: _dialect, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'input' });
      parameters.push({
        name,
        in: 'query',
        required: false,
        description: String(schema.description ?? ''),
        schema: toJson(schema),
      });
    }
    const responses: Record<string, JsonObject> = {};
    const all = { ...SHARED_RESPONSES[route.security], ...route.responses };
    for (const status of Object.keys(all)
      .map(Number)
      .sort((a, b) => a - b)) {
      const response = all[status];
      if (!response) continue;
      responses[String(status)] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: ref(response.schema) } } } : {}),
      };
    }
    const operation: JsonObject = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: [{ [route.security]: [] }],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.requestBody
        ? {
            requestBody: {
              required: route.requestBodyRequired === true,
              content: { 'application/json': { schema: ref(route.requestBody) } },
            },
          }
        : {}),
      responses,
    };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Liveness Gateway API',
      version: '1.0.0',
      description:
        'Face-liveness checks through the provider the operator chooses. The backend creates a check, the device uploads its media straight to S3 with the presigned forms, the frontend polls with the poll token, and the backend reads the full result. Errors are {"error":{"code","message"}}.',
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'Local stack (npm start): backend routes are not IAM-authorised' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'Deployed stack (the ApiUrl output)',
        variables: { apiId: { default: 'abc123' }, region: { default: 'eu-west-1' } },
      },
    ],
    paths,
    components: { schemas, securitySchemes: toJson(SECURITY_SCHEMES) },
  };
}

/** The document as committed in openapi.json and served at /v1/openapi.json. */
export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

function toJson(value: unknown): JsonObject {
  // A JSON round trip drops undefined members and proves the value is plain JSON.
  const json: unknown = JSON.parse(JSON.stringify(value));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('expected a JSON object');
  return json as JsonObject;
}

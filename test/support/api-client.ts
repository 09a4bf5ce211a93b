// Drives a running stack over real HTTP the way a frontend and a backend would.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/media/', import.meta.url));

export function fixture(name: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(`${FIXTURES}${name}`));
}

export interface UploadForm {
  readonly url: string;
  readonly fields: Record<string, string>;
  readonly maxBytes: number;
  readonly contentTypes: string[];
}

export interface CreatedCheck {
  readonly checkId: string;
  readonly status: string;
  readonly provider: string;
  readonly parts: string[];
  readonly uploads: Record<string, UploadForm>;
  readonly pollToken: string;
  readonly expiresAt: string;
}

export interface JsonResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

async function asJson<T>(response: Response): Promise<JsonResponse<T>> {
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

export async function postCheck(apiUrl: string, body: unknown = {}): Promise<JsonResponse> {
  return asJson(
    await fetch(`${apiUrl}/v1/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export async function createCheck(apiUrl: string, body: unknown = {}): Promise<CreatedCheck> {
  const response = await postCheck(apiUrl, body);
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as unknown as CreatedCheck;
}

/** Uploads with the presigned POST form exactly as a browser would: the form fields, then the file. */
export async function upload(form: UploadForm, bytes: Uint8Array, contentType: string, filename = 'upload'): Promise<Response> {
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  data.append('Content-Type', contentType);
  data.append('file', new Blob([new Uint8Array(bytes)], { type: contentType }), filename);
  return fetch(form.url, { method: 'POST', body: data });
}

export async function uploadOk(form: UploadForm, bytes: Uint8Array, contentType: string): Promise<void> {
  const response = await upload(form, bytes, contentType);
  if (response.status >= 300) throw new Error(`upload refused: ${response.status} ${await response.text()}`);
}

export async function poll(apiUrl: string, checkId: string, token?: string): Promise<JsonResponse> {
  return asJson(await fetch(`${apiUrl}/v1/checks/${checkId}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
}

export async function result(apiUrl: string, checkId: string): Promise<JsonResponse> {
  return asJson(await fetch(`${apiUrl}/v1/checks/${checkId}/result`));
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'EXPIRED']);

/** Polls the backend result route until the check ends (or the time bound passes). */
export async function waitForEnd(apiUrl: string, checkId: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await result(apiUrl, checkId);
    if (response.status === 200 && TERMINAL.has(String(response.body.status))) return response.body;
    if (Date.now() > deadline) throw new Error(`check ${checkId} did not end: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

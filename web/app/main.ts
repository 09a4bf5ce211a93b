// The capture page: camera (or a file) → check → uploads straight to S3 → outcome.
//
// Locally the page creates the check itself, because the local backend route is open. In
// production the operator's backend creates it (signed, see README "Frontend kit") and hands the
// page only {checkId, uploads, pollToken}: replace `obtainCheck` with a call to that backend.
import {
  AbortedError,
  CheckSession,
  CheckTimeoutError,
  LivenessApiError,
  LivenessClient,
  TransportError,
  UploadRefusedError,
  type CheckHandoff,
  type UploadProgress,
} from '../../src/client';
import type { PartName } from '../../src/core/check';
import { outcomeText } from './outcome';
import { openCamera, record, recordingType, stopCamera } from './recorder';

const RECORD_SECONDS = 6;
const COUNTDOWN_SECONDS = 3;
const API_URL = window.location.origin;

function element<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The page has no #${id}`);
  return found;
}

const ui = {
  start: element('start', HTMLElement),
  camera: element('camera', HTMLElement),
  uploading: element('uploading', HTMLElement),
  outcome: element('outcome', HTMLElement),
  idPhoto: element('id-photo', HTMLInputElement),
  videoFile: element('video-file', HTMLInputElement),
  startCamera: element('start-camera', HTMLButtonElement),
  preview: element('preview', HTMLVideoElement),
  countdown: element('countdown', HTMLElement),
  recIndicator: element('rec-indicator', HTMLElement),
  recTime: element('rec-time', HTMLElement),
  recordButton: element('record', HTMLButtonElement),
  cancelCamera: element('cancel-camera', HTMLButtonElement),
  progressList: element('progress-list', HTMLElement),
  cancelUpload: element('cancel-upload', HTMLButtonElement),
  outcomeTitle: element('outcome-title', HTMLElement),
  outcomeMessage: element('outcome-message', HTMLElement),
  again: element('again', HTMLButtonElement),
  status: element('status', HTMLElement),
  error: element('error', HTMLElement),
};

type Screen = 'start' | 'camera' | 'uploading' | 'outcome';
let stream: MediaStream | undefined;
let inFlight: AbortController | undefined;

function show(screen: Screen): void {
  for (const name of ['start', 'camera', 'uploading', 'outcome'] as const) ui[name].hidden = name !== screen;
  document.body.dataset.screen = screen;
}

function announce(text: string): void {
  ui.status.textContent = text;
}

function showError(text: string | undefined): void {
  ui.error.hidden = text === undefined;
  ui.error.textContent = text ?? '';
}

// ---------------------------------------------------------------------------------------------
// Step 1: camera or file

ui.startCamera.addEventListener('click', () => void startCamera());
ui.videoFile.addEventListener('change', () => {
  const file = ui.videoFile.files?.[0];
  ui.videoFile.value = '';
  if (file) void submit(file);
});
ui.cancelCamera.addEventListener('click', () => {
  stopCamera(stream);
  stream = undefined;
  announce('');
  show('start');
});
ui.recordButton.addEventListener('click', () => void countdownAndRecord());
ui.cancelUpload.addEventListener('click', () => inFlight?.abort());
ui.again.addEventListener('click', () => {
  showError(undefined);
  announce('');
  // "Record again" means it: straight back to the camera, the ID photo already chosen.
  if (ui.outcome.dataset.tone === 'retry' && !ui.startCamera.disabled) {
    void startCamera();
    return;
  }
  show('start');
  ui.startCamera.focus();
});

if (recordingType() === undefined || !navigator.mediaDevices?.getUserMedia) {
  // Old browsers and insecure (non-https) pages: a file is the only way in.
  ui.startCamera.disabled = true;
  ui.startCamera.textContent = 'Camera not available here';
}

async function startCamera(): Promise<void> {
  showError(undefined);
  announce('Asking for the camera…');
  try {
    stream = await openCamera();
  } catch (error) {
    announce('');
    showError(cameraProblem(error));
    return;
  }
  ui.preview.srcObject = stream;
  show('camera');
  ui.recordButton.disabled = false;
  ui.recordButton.focus();
  announce('Camera ready. Fit your face inside the oval, then press Record.');
}

function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Camera access was blocked. Allow the camera for this page in your browser settings, or choose a video file instead.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found. Choose a video file instead.';
  if (name === 'NotReadableError') return 'The camera is in use by another app. Close it and try again.';
  return 'The camera could not be started. Choose a video file instead.';
}

async function countdownAndRecord(): Promise<void> {
  if (!stream) return;
  ui.recordButton.disabled = true;
  ui.cancelCamera.disabled = true;
  for (let left = COUNTDOWN_SECONDS; left > 0; left--) {
    ui.countdown.textContent = String(left);
    announce(`Recording starts in ${left}…`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  ui.countdown.textContent = '';
  ui.recIndicator.hidden = false;
  announce(`Recording for ${RECORD_SECONDS} seconds. Keep looking at the camera.`);
  let video: Blob;
  try {
    video = await record(stream, RECORD_SECONDS, (left) => {
      ui.recTime.textContent = `${left} s`;
    });
  } catch (error) {
    showError(error instanceof Error ? error.message : 'Recording failed.');
    return;
  } finally {
    ui.recIndicator.hidden = true;
    ui.recordButton.disabled = false;
    ui.cancelCamera.disabled = false;
    stopCamera(stream);
    stream = undefined;
  }
  await submit(video);
}

// ---------------------------------------------------------------------------------------------
// Step 2: the check, the uploads, the wait

/** Production: ask your own backend, which calls createCheck signed and returns only the handoff. */
async function obtainCheck(parts: PartName[], signal: AbortSignal): Promise<CheckHandoff> {
  const created = await new LivenessClient({ apiUrl: API_URL }).createCheck({ parts }, { signal });
  return { checkId: created.checkId, uploads: created.uploads, pollToken: created.pollToken };
}

async function submit(video: Blob): Promise<void> {
  showError(undefined);
  const idPhoto = ui.idPhoto.files?.[0];
  const files: [PartName, Blob][] = [['video', video]];
  if (idPhoto) files.push(['reference', idPhoto]);
  const controller = new AbortController();
  inFlight = controller;
  const signal = controller.signal;

  show('uploading');
  renderProgressRows(files.map(([part]) => part));
  announce('Sending your video…');
  try {
    const handoff = await obtainCheck(
      files.map(([part]) => part),
      signal,
    );
    for (const [part, file] of files) {
      const limit = handoff.uploads[part]?.maxBytes;
      if (limit !== undefined && file.size > limit) {
        throw new FriendlyError(
          `The ${label(part).toLowerCase()} is too large (${megabytes(file.size)}; at most ${megabytes(limit)}).`,
        );
      }
    }
    const session = new CheckSession({ apiUrl: API_URL, handoff });
    await Promise.all(files.map(([part, file]) => session.upload(part, file, { signal, onProgress: renderProgress })));
    announce('Uploaded. Checking your video…');
    const view = await session.waitForResult({
      signal,
      onStatus: (status) => {
        if (status.status === 'PROCESSING') announce('Checking your video…');
      },
    });
    const text = outcomeText(view);
    ui.outcome.dataset.tone = text.tone;
    ui.outcomeTitle.textContent = text.title;
    ui.outcomeMessage.textContent = text.message;
    ui.again.textContent = text.action;
    show('outcome');
    announce(`${text.title}. ${text.message}`);
    ui.outcomeTitle.focus();
  } catch (error) {
    show('start');
    announce('');
    showError(problem(error));
  } finally {
    inFlight = undefined;
  }
}

class FriendlyError extends Error {
  override readonly name = 'FriendlyError';
}

function problem(error: unknown): string {
  if (error instanceof FriendlyError) return error.message;
  if (error instanceof AbortedError) return 'Cancelled. Nothing was checked.';
  if (error instanceof UploadRefusedError) {
    if (error.s3Code === 'EntityTooLarge')
      return `The ${label(error.part).toLowerCase()} is too large. Record a shorter video or choose a smaller file.`;
    if (error.s3Code === 'AccessDenied')
      return 'The upload link has expired or does not accept this kind of file. Please start again.';
    return 'The upload was refused. Please start again.';
  }
  if (error instanceof TransportError) return 'We could not reach the server. Check your connection and try again.';
  if (error instanceof CheckTimeoutError) return 'This is taking longer than expected. Please try again in a few minutes.';
  if (error instanceof LivenessApiError && error.status === 400) return `This check could not be started: ${error.message}`;
  return 'Something went wrong on our side. Please try again in a few minutes.';
}

// ---------------------------------------------------------------------------------------------
// Progress

const LABELS: Readonly<Record<PartName, string>> = { video: 'Video', selfie: 'Selfie', reference: 'ID photo' };

function label(part: PartName): string {
  return LABELS[part];
}

function renderProgressRows(parts: readonly PartName[]): void {
  ui.progressList.replaceChildren(
    ...parts.map((part) => {
      const row = document.createElement('li');
      row.className = 'progress-row';
      const name = document.createElement('label');
      name.htmlFor = `progress-${part}`;
      name.textContent = label(part);
      const bar = document.createElement('progress');
      bar.id = `progress-${part}`;
      bar.max = 100;
      bar.value = 0;
      const percent = document.createElement('span');
      percent.className = 'percent';
      percent.id = `progress-${part}-text`;
      percent.textContent = '0%';
      row.append(name, bar, percent);
      return row;
    }),
  );
}

function renderProgress(progress: UploadProgress): void {
  const percent = progress.total > 0 ? Math.floor((progress.loaded / progress.total) * 100) : 0;
  const bar = document.getElementById(`progress-${progress.part}`);
  if (bar instanceof HTMLProgressElement) bar.value = percent;
  const text = document.getElementById(`progress-${progress.part}-text`);
  if (text) text.textContent = `${percent}%`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

show('start');

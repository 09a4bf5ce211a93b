// Camera, recording and stills. The recorded container is whatever the browser does best among
// those the gateway accepts: mp4 first (Safari on iOS records only mp4; recent Chrome can), else
// webm. A webm from MediaRecorder has no duration in its header; the gateway's media check
// measures it from the clusters, so the file is uploaded as recorded.

import { GatewayError } from '../../src/core/errors';

const CANDIDATE_TYPES = ['video/mp4;codecs=avc1', 'video/mp4', 'video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'];

export function recordingType(): string | undefined {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return CANDIDATE_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
}

export function cameraAvailable(): boolean {
  return typeof navigator.mediaDevices?.getUserMedia === 'function';
}

export async function openCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } },
  });
}

export function stopCamera(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The size the camera delivers, from the track's settings (what the recording will have). */
export function cameraSize(stream: MediaStream): { width?: number; height?: number } {
  const settings = stream.getVideoTracks()[0]?.getSettings();
  return {
    ...(settings?.width !== undefined ? { width: settings.width } : {}),
    ...(settings?.height !== undefined ? { height: settings.height } : {}),
  };
}

export interface Recording {
  readonly video: Blob;
  /** Measured from the recorder's start to its stop event. */
  readonly seconds: number;
}

/** Records `seconds` of the stream; resolves with the video as one Blob. */
export function record(stream: MediaStream, seconds: number, onTick: (secondsLeft: number) => void): Promise<Recording> {
  const mimeType = recordingType();
  if (mimeType === undefined) return Promise.reject(new Error('no MediaRecorder type'));
  const recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 2_500_000 });
  const chunks: Blob[] = [];
  return new Promise((resolve, reject) => {
    let ticker: ReturnType<typeof setInterval> | undefined;
    let started = 0;
    recorder.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    recorder.onerror = () => {
      clearInterval(ticker);
      reject(new Error('MediaRecorder error'));
    };
    recorder.onstop = () => {
      clearInterval(ticker);
      resolve({
        video: new Blob(chunks, { type: recorder.mimeType || mimeType }),
        seconds: (performance.now() - started) / 1000,
      });
    };
    recorder.onstart = () => {
      // Timed from the recorder's own start, so the file is the full length the gateway asks for.
      started = performance.now();
      onTick(seconds);
      ticker = setInterval(() => {
        const left = Math.max(0, Math.ceil(seconds - (performance.now() - started) / 1000));
        onTick(left);
      }, 250);
      setTimeout(() => recorder.stop(), seconds * 1000);
    };
    // A timeslice makes the browser hand over data as it goes rather than all at the end.
    recorder.start(1000);
  });
}

/** HTMLMediaElement.HAVE_CURRENT_DATA, spelled out so the check runs without a DOM too. */
const HAVE_CURRENT_DATA = 2;

/** Whether the preview shows a camera frame yet: before its first one, a still would be blank. */
export function hasFrame(preview: Pick<HTMLVideoElement, 'readyState' | 'videoWidth' | 'videoHeight'>): boolean {
  return preview.readyState >= HAVE_CURRENT_DATA && preview.videoWidth > 0 && preview.videoHeight > 0;
}

/** A still was asked for before the camera delivered a frame. */
export class NoCameraFrameError extends GatewayError {
  constructor() {
    super('the camera has not delivered a frame yet');
  }
}

/**
 * Whether sampled RGBA pixels are all but one flat colour: the black or grey frames a camera may
 * deliver while it starts (and a busy device may still be showing) have no one in them.
 */
export function isBlankFrame(rgba: ArrayLike<number>, tolerance = 12): boolean {
  let darkest = 255;
  let brightest = 0;
  for (let i = 0; i + 2 < rgba.length; i += 4) {
    const luma = (299 * (rgba[i] ?? 0) + 587 * (rgba[i + 1] ?? 0) + 114 * (rgba[i + 2] ?? 0)) / 1000;
    darkest = Math.min(darkest, luma);
    brightest = Math.max(brightest, luma);
  }
  return brightest - darkest < tolerance;
}

/** How long a still waits for the camera to show more than a flat start-up frame. */
const BLANK_FRAME_WAIT_MS = 3_000;

/** One frame of the preview at the camera's full size, as a JPEG (not mirrored, like a recording). */
export async function takePhoto(preview: HTMLVideoElement): Promise<{ photo: Blob; width: number; height: number }> {
  // A blank picture would only come back as NO_FACE: the page offers the button once a frame is shown.
  if (!hasFrame(preview)) throw new NoCameraFrameError();
  const width = preview.videoWidth;
  const height = preview.videoHeight;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2d canvas');
  const sample = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  const deadline = performance.now() + BLANK_FRAME_WAIT_MS;
  for (;;) {
    context.drawImage(preview, 0, 0, width, height);
    if (!sample) break;
    sample.canvas.width = 32;
    sample.canvas.height = 18;
    sample.drawImage(canvas, 0, 0, 32, 18);
    if (!isBlankFrame(sample.getImageData(0, 0, 32, 18).data)) break;
    if (performance.now() > deadline) throw new NoCameraFrameError();
    // The camera is still showing a flat start-up frame: take the next one.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const photo = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
  if (!photo) throw new Error('the frame could not be encoded');
  return { photo, width, height };
}

/** Width, height and duration of a chosen file, as far as the browser can tell (unknowns stay undefined). */
export async function measureFile(
  file: Blob,
  kind: 'video' | 'image',
): Promise<{ width?: number; height?: number; durationSeconds?: number }> {
  if (kind === 'image') {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  }
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.preload = 'metadata';
  video.muted = true;
  try {
    await new Promise<void>((resolve, reject) => {
      video.onloadedmetadata = () => resolve();
      video.onerror = () => reject(new Error('not a playable video'));
      video.src = url;
    });
    return {
      ...(video.videoWidth > 0 ? { width: video.videoWidth, height: video.videoHeight } : {}),
      // A MediaRecorder webm reports Infinity: the server measures it.
      ...(Number.isFinite(video.duration) ? { durationSeconds: video.duration } : {}),
    };
  } finally {
    video.removeAttribute('src');
    URL.revokeObjectURL(url);
  }
}

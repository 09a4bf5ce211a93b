// Camera and recording. The recorded container is whatever the browser does best among those the
// gateway accepts: mp4 where MediaRecorder can write it (Safari, recent Chrome), else webm.
// A webm from MediaRecorder has no duration in its header; the gateway's media check measures it
// from the clusters, so the file is uploaded as recorded.

const CANDIDATE_TYPES = ['video/mp4;codecs=avc1', 'video/mp4', 'video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'];

export function recordingType(): string | undefined {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return CANDIDATE_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
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

/** Records `seconds` of the stream; resolves with the video as one Blob. */
export function record(stream: MediaStream, seconds: number, onTick: (secondsLeft: number) => void): Promise<Blob> {
  const mimeType = recordingType();
  if (mimeType === undefined) return Promise.reject(new Error('This browser cannot record video.'));
  const recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 2_500_000 });
  const chunks: Blob[] = [];
  return new Promise((resolve, reject) => {
    let ticker: ReturnType<typeof setInterval> | undefined;
    recorder.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    recorder.onerror = () => {
      clearInterval(ticker);
      reject(new Error('Recording failed.'));
    };
    recorder.onstop = () => {
      clearInterval(ticker);
      resolve(new Blob(chunks, { type: recorder.mimeType || mimeType }));
    };
    recorder.onstart = () => {
      // Timed from the recorder's own start, so the file is the full length the gateway asks for.
      const started = performance.now();
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

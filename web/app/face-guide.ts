// Live capture guidance on the device: human's BlazeFace detector on the camera preview tells the
// user what to fix before anything is recorded (no face, several faces, too far, off-centre, too
// dark), and says when the picture has been right long enough to capture it by itself.
//
// This is a QUALITY GATE, NOT PRESENTATION-ATTACK DETECTION. A printed photo, a screen or a mask
// held up to the camera passes it just as a face does; deciding liveness stays with the provider.
// Its only job is to keep captures the provider would answer RETRY for (no face, two faces, a
// small or dark face) from costing a paid call.
//
// The detector (human's browser build with tfjs, the BlazeFace model and the tfjs wasm binaries)
// is served from the page's own origin, next to app.js (`face/`, copied there at build time), and
// is only downloaded when the camera starts: nothing before consent, no third-party CDN.
import type { Config, Human } from '@vladmandic/human';
import { GatewayError } from '../../src/core/errors';
import { blazeFaceOnlyConfig } from '../../src/media/face/blazeface-config';

export type GuideHint = 'moreLight' | 'noFace' | 'manyFaces' | 'moveCloser' | 'centre' | 'hold';

/** What one frame shows, in the frame's own proportions (0..1). */
export interface FrameFacts {
  /** Mean luma (BT.601, 0-255) of the frame. */
  readonly meanLuma: number;
  readonly faces: readonly { readonly box: readonly [x: number, y: number, width: number, height: number] }[];
  /** The frame's width over its height (box widths and heights are fractions of each). */
  readonly aspect: number;
}

export interface FramingRule {
  /** The face box's longer side over the frame's short side, at least. */
  readonly minFaceRatio: number;
  /** How far the box centre may sit from the frame centre, as a fraction of the frame's width/height. */
  readonly maxCentreOffset: number;
  /** Below this mean luma the room is too dark for the provider to see a face. */
  readonly minLuma: number;
}

/**
 * Stricter than the server's face pre-check (src/media/face/thresholds.ts), which must never refuse
 * what a provider accepts: here the user can simply move, so we ask for what the provider documents.
 * FPT asks for a face of at least 30 % of the frame; SenseID and Verihubs document no size, so a
 * face a matcher comfortably sees (a fifth of the short side) is asked for.
 */
export const FRAMING_RULES: Readonly<Record<string, FramingRule>> = {
  fpt: { minFaceRatio: 0.3, maxCentreOffset: 0.2, minLuma: 50 },
  senseid: { minFaceRatio: 0.2, maxCentreOffset: 0.2, minLuma: 50 },
  verihubs: { minFaceRatio: 0.2, maxCentreOffset: 0.2, minLuma: 50 },
};
const DEFAULT_RULE: FramingRule = { minFaceRatio: 0.2, maxCentreOffset: 0.2, minLuma: 50 };

export function framingRule(provider: string | undefined): FramingRule {
  return (provider !== undefined ? FRAMING_RULES[provider] : undefined) ?? DEFAULT_RULE;
}

/** The one thing to tell the user about this frame ('hold' when it is right). Darkness first: in the dark no face is found at all. */
export function judgeFrame(frame: FrameFacts, rule: FramingRule): GuideHint {
  if (frame.meanLuma < rule.minLuma) return 'moreLight';
  const [face, ...others] = frame.faces;
  if (face === undefined) return 'noFace';
  if (others.length > 0) return 'manyFaces';
  const [x, y, width, height] = face.box;
  // Box sides in units of the frame's short side.
  const shortIsHeight = frame.aspect >= 1;
  const side = Math.max(shortIsHeight ? width * frame.aspect : width, shortIsHeight ? height : height / frame.aspect);
  if (side < rule.minFaceRatio) return 'moveCloser';
  if (Math.abs(x + width / 2 - 0.5) > rule.maxCentreOffset || Math.abs(y + height / 2 - 0.5) > rule.maxCentreOffset)
    return 'centre';
  return 'hold';
}

/** How long the frame must stay right before the capture starts by itself. */
export const STEADY_MS = 1000;

/** Counts how long the hint has been 'hold'; any other hint starts it over. */
export class SteadyTimer {
  private since: number | undefined;

  /** True once the frames have been right for STEADY_MS. */
  update(hint: GuideHint, now: number): boolean {
    if (hint !== 'hold') {
      this.since = undefined;
      return false;
    }
    this.since ??= now;
    return now - this.since >= STEADY_MS;
  }
}

export interface FaceGuide {
  /** The tfjs backend that ran the first detection (webgl, wasm or cpu). */
  readonly backend: string;
  look(video: HTMLVideoElement): Promise<FrameFacts>;
}

/** The detector could not be loaded or run here; the page falls back to the record button. */
export class FaceGuideUnavailableError extends GatewayError {}

/** Frames are scaled down to this width before detection (BlazeFace sees 256 px anyway). */
const FRAME_WIDTH = 320;
/** Candidates down to this score are returned, so a weaker second face still counts as one. */
const MIN_FACE_SCORE = 0.5;
/** Enough to tell one face from several. */
const MAX_FACES = 5;
const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
/** A backend slower than this per detection cannot guide anyone (measured: software WebGL 3 s, cpu 2.5 s, wasm 70 ms). */
const MAX_DETECTION_MS = 600;

/**
 * WebGL drawn by the CPU (SwiftShader in headless Chromium and some VMs, llvmpipe) runs BlazeFace
 * at a third of a frame per second, where the wasm backend does 15: such a WebGL is skipped.
 */
function softwareWebGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl');
  if (!gl) return true;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  return /swiftshader|llvmpipe|software/i.test(renderer);
}

function humanConfig(base: string, backend: (typeof BACKENDS)[number]): Partial<Config> {
  return blazeFaceOnlyConfig({
    backend,
    modelBasePath: base,
    wasmPath: base,
    maxDetected: MAX_FACES,
    minConfidence: MIN_FACE_SCORE,
    // The page keeps answering (buttons, the preview) while a frame is judged.
    async: true,
  });
}

interface HumanModule {
  readonly Human: new (config: Partial<Config>) => Human;
}

class HumanFaceGuide implements FaceGuide {
  private readonly canvas = document.createElement('canvas');
  private readonly context: CanvasRenderingContext2D;

  constructor(
    private readonly human: Human,
    readonly backend: string,
  ) {
    const context = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new FaceGuideUnavailableError('no 2d canvas');
    this.context = context;
  }

  async look(video: HTMLVideoElement): Promise<FrameFacts> {
    const aspect = video.videoWidth / video.videoHeight;
    if (!(aspect > 0)) return { meanLuma: 0, faces: [], aspect: 1 };
    this.canvas.width = FRAME_WIDTH;
    this.canvas.height = Math.round(FRAME_WIDTH / aspect);
    this.context.drawImage(video, 0, 0, this.canvas.width, this.canvas.height);
    const pixels = this.context.getImageData(0, 0, this.canvas.width, this.canvas.height).data;
    let luma = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      luma += 0.299 * (pixels[i] ?? 0) + 0.587 * (pixels[i + 1] ?? 0) + 0.114 * (pixels[i + 2] ?? 0);
    }
    const result = await this.human.detect(this.canvas);
    return {
      meanLuma: luma / (pixels.length / 4),
      aspect,
      faces: result.face.filter((face) => face.score >= MIN_FACE_SCORE).map((face) => ({ box: face.boxRaw })),
    };
  }
}

async function loadGuide(base: string): Promise<FaceGuide> {
  if (typeof WebAssembly !== 'object' && typeof WebGLRenderingContext === 'undefined') {
    throw new FaceGuideUnavailableError('neither WebGL nor WebAssembly');
  }
  // A runtime URL, so esbuild leaves the import alone and the detector stays out of app.js.
  const url = `${base}human.esm.js`;
  const { Human: HumanClass } = (await import(/* @vite-ignore */ url)) as HumanModule;
  const probe = document.createElement('canvas');
  probe.width = FRAME_WIDTH;
  probe.height = 180;
  let last: unknown;
  for (const backend of BACKENDS) {
    if (backend === 'wasm' && typeof WebAssembly !== 'object') continue;
    if (backend === 'webgl' && softwareWebGl()) continue;
    try {
      const human = new HumanClass(humanConfig(base, backend));
      await human.init();
      // human falls back on its own when a backend is missing; only the one asked for counts here.
      if (human.tf.getBackend() !== backend) throw new Error(`${backend} did not start`);
      await human.load();
      // The first detection proves the backend runs the model (and compiles its kernels); the
      // second says whether it is fast enough to follow a face.
      await human.detect(probe);
      const started = performance.now();
      await human.detect(probe);
      const took = performance.now() - started;
      if (took > MAX_DETECTION_MS) throw new Error(`${backend} took ${Math.round(took)} ms per detection`);
      return new HumanFaceGuide(human, backend);
    } catch (error) {
      last = error;
    }
  }
  throw new FaceGuideUnavailableError('no backend could run the detector', { cause: last });
}

let loading: Promise<FaceGuide> | undefined;

/** The detector, loaded once per page (a second camera attempt reuses it); rejects after `timeoutMs`. */
export function faceGuide(base: string, timeoutMs: number): Promise<FaceGuide> {
  loading ??= loadGuide(base);
  // A failed load is not retried on this page: the next attempt goes straight to the button.
  const attempt = loading;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new FaceGuideUnavailableError('the detector took too long to load')), timeoutMs);
    attempt.then(
      (guide) => (clearTimeout(timer), resolve(guide)),
      (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}

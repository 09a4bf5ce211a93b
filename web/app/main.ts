// The capture page: consent → what is needed → camera (or a file) → checks on the device →
// uploads straight to S3 → outcome, in the user's language.
//
// Two ways to get a check (README "Frontend kit"):
//   - deployed: the operator's backend creates it (signed IAM route) and hands the page a session,
//     in the URL fragment (`#session=<base64url JSON>`) or through `LivenessCapture.start({session})`
//     / `start({createSession})`; the page then calls only the bucket and the poll route;
//   - local: with no session, the page creates the check itself with POST /v1/checks (open locally).
import {
  AbortedError,
  CheckSession,
  CheckTimeoutError,
  LivenessApiError,
  LivenessClient,
  TransportError,
  UploadRefusedError,
  type CheckStatusResponse,
  type UploadProgress,
} from '../../src/client';
import type { PartName } from '../../src/core/check';
import { GatewayError } from '../../src/core/errors';
import type { Locale, MessageKey } from '../locales';
import {
  checkContainer,
  checkFacts,
  partRule,
  recordSeconds,
  type DeviceProblem,
  type MediaFacts,
  type PartRule,
} from './capture-plan';
import { faceGuide, framingRule, judgeFrame, SteadyTimer, type FaceGuide, type GuideHint } from './face-guide';
import { isLocale, pickLocale, translator, type Translator } from './i18n';
import { outcomeText, type Tone } from './outcome';
import {
  cameraAvailable,
  cameraSize,
  hasFrame,
  measureFile,
  openCamera,
  record,
  recordingType,
  stopCamera,
  takePhoto,
} from './recorder';
import {
  decodeSessionParam,
  parseSession,
  sessionParamOf,
  SessionError,
  type CaptureSession,
  type CaptureSessionInput,
} from './session';

export type { CaptureSessionInput } from './session';

export interface ConsentEvidence {
  readonly noticeVersion: string;
  readonly acceptedAt: string;
}

export interface ConsentTexts {
  readonly collected?: string;
  readonly purpose?: string;
  readonly retention?: string;
  readonly processor?: string;
}

export interface CaptureOutcome {
  readonly checkId: string;
  readonly status: CheckStatusResponse['status'];
  readonly decision?: CheckStatusResponse['decision'];
  readonly reasons: readonly string[];
}

export interface StartOptions {
  /** Deployed: the session the backend made (object or its base64url JSON). */
  readonly session?: CaptureSessionInput | string;
  /** Deployed, consent first: called once the user agreed; the backend creates the check with that consent. */
  readonly createSession?: (consent: ConsentEvidence) => Promise<CaptureSessionInput>;
  /** Local mode: the API that takes POST /v1/checks, and the poll route of sessions without `apiUrl`. Default: this page's origin. */
  readonly apiUrl?: string;
  /** Local mode: the check's provider and parts (default: the server's). */
  readonly provider?: string;
  readonly parts?: readonly PartName[];
  /** Language tag; default from navigator.languages. */
  readonly lang?: string;
  readonly consent?: {
    /** The version of the notice shown, recorded with the check. */
    readonly noticeVersion?: string;
    /** The operator's own notice, per locale; missing texts use the locale's defaults. */
    readonly texts?: Partial<Record<Locale, ConsentTexts>>;
  };
  /** Replace any message, per locale. */
  readonly messages?: Partial<Record<Locale, Partial<Record<MessageKey, string>>>>;
  /** Called when the check has ended (also sent as the `liveness-capture:complete` window event). */
  readonly onComplete?: (outcome: CaptureOutcome) => void;
}

export const DEFAULT_NOTICE_VERSION = 'capture-notice-2026-11';
const COUNTDOWN_SECONDS = 3;
/** Past this, a detector still loading (slow network, old phone) gives way to the record button. */
const GUIDE_LOAD_TIMEOUT_MS = 20_000;
/** A hint is read out once it has stayed this long, so a screen reader is not flooded frame by frame. */
const HINT_ANNOUNCE_MS = 1200;
/** The detector's files sit beside the script (web/serve.ts copies them there). */
const GUIDE_BASE = new URL('face/', import.meta.url).href;
const SESSION_STORAGE_KEY = 'liveness-capture-session';

function element<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The page has no #${id}`);
  return found;
}

type Screen = 'loading' | 'consent' | 'declined' | 'prepare' | 'camera' | 'uploading' | 'outcome';
const SCREENS: readonly Screen[] = ['loading', 'consent', 'declined', 'prepare', 'camera', 'uploading', 'outcome'];

/** A refusal the user can act on, already in their language. */
class UserFacingError extends GatewayError {}

export interface CaptureController {
  readonly locale: Locale;
}

let started = false;

export function start(options: StartOptions = {}): CaptureController {
  if (started) throw new Error('LivenessCapture.start was already called on this page');
  started = true;

  const ui = {
    screens: Object.fromEntries(SCREENS.map((screen) => [screen, element(screen, HTMLElement)])) as Record<Screen, HTMLElement>,
    consentCollected: element('consent-collected', HTMLElement),
    consentPurpose: element('consent-purpose', HTMLElement),
    consentRetention: element('consent-retention', HTMLElement),
    consentProcessor: element('consent-processor', HTMLElement),
    consentAccept: element('consent-accept', HTMLButtonElement),
    consentDecline: element('consent-decline', HTMLButtonElement),
    consentReopen: element('consent-reopen', HTMLButtonElement),
    needs: element('needs', HTMLElement),
    referenceField: element('reference-field', HTMLElement),
    referenceFile: element('reference-file', HTMLInputElement),
    referenceChosen: element('reference-chosen', HTMLElement),
    startCamera: element('start-camera', HTMLButtonElement),
    cameraUnavailable: element('camera-unavailable', HTMLElement),
    captureFile: element('capture-file', HTMLInputElement),
    captureFileLabel: element('capture-file-label', HTMLLabelElement),
    preview: element('preview', HTMLVideoElement),
    countdown: element('countdown', HTMLElement),
    guideHint: element('guide-hint', HTMLElement),
    recIndicator: element('rec-indicator', HTMLElement),
    recTime: element('rec-time', HTMLElement),
    capture: element('capture', HTMLButtonElement),
    cancelCamera: element('cancel-camera', HTMLButtonElement),
    progressList: element('progress-list', HTMLElement),
    cancelUpload: element('cancel-upload', HTMLButtonElement),
    outcome: element('outcome', HTMLElement),
    outcomeTitle: element('outcome-title', HTMLElement),
    outcomeMessage: element('outcome-message', HTMLElement),
    outcomeReference: element('outcome-reference', HTMLElement),
    again: element('again', HTMLButtonElement),
    status: element('status', HTMLElement),
    error: element('error', HTMLElement),
  };

  const locale = pickLocale(options.lang, navigator.languages ?? [navigator.language]);
  const i18n: Translator = translator(locale, options.messages?.[locale]);
  const t = i18n.t;
  const pageOrigin = window.location.origin;
  const apiUrl = (options.apiUrl ?? pageOrigin).replace(/\/+$/, '');
  const noticeVersion = options.consent?.noticeVersion ?? DEFAULT_NOTICE_VERSION;

  let fixedSession: CaptureSession | undefined;
  let sessionProblem = false;
  if (options.session !== undefined) {
    try {
      const value = typeof options.session === 'string' ? decodeSessionParam(options.session) : options.session;
      fixedSession = parseSession(value, apiUrl);
    } catch {
      sessionProblem = true;
    }
  }
  /** Whether this page may get a new check after one ended (local mode, or the backend callback). */
  const canRenew = fixedSession === undefined && !sessionProblem;

  let consent: ConsentEvidence | undefined;
  let session: CaptureSession | undefined;
  let stream: MediaStream | undefined;
  /** A still or a recording is being taken from `stream`. */
  let capturing = false;
  let inFlight: AbortController | undefined;
  let lastTone: Tone | undefined;

  // -------------------------------------------------------------------------------------------
  // Texts and screens

  document.documentElement.lang = locale;
  document.title = t('app.documentTitle');
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = node.dataset.i18n ?? '';
    if (i18n.has(key)) node.textContent = t(key);
  }
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    const key = node.dataset.i18nLabel ?? '';
    if (i18n.has(key)) node.setAttribute('aria-label', t(key));
  }

  function show(screen: Screen, focus: HTMLElement | undefined = ui.screens[screen].querySelector('h2') ?? undefined): void {
    for (const name of SCREENS) ui.screens[name].hidden = name !== screen;
    document.body.dataset.screen = screen;
    // Keyboard and screen-reader users land at the top of the new screen.
    focus?.focus();
  }

  function announce(text: string): void {
    ui.status.textContent = text;
  }

  function showError(text: string | undefined): void {
    ui.error.hidden = text === undefined;
    ui.error.textContent = text ?? '';
  }

  function partLabel(part: PartName): string {
    return t(`part.${part}`);
  }

  function problemText(part: PartName, problem: DeviceProblem): string {
    switch (problem.code) {
      case 'wrongType':
        return t('device.wrongType', {
          part: partLabel(part),
          types: problem.types
            .map((type) =>
              (type.split('/')[1] ?? type)
                .replace(/^x-matroska$/, 'mkv')
                .replace(/^quicktime$/, 'mov')
                .toUpperCase(),
            )
            .join(', '),
        });
      case 'tooLarge':
        return t('device.tooLarge', {
          part: partLabel(part),
          actual: i18n.bytes(problem.bytes),
          max: i18n.bytes(problem.maxBytes),
        });
      case 'resolutionTooLow':
        return t('device.resolutionTooLow', {
          part: partLabel(part),
          actual: `${problem.width}×${problem.height}`,
          min: problem.min,
        });
      case 'tooShort':
        return t('device.tooShort', { actual: i18n.number(problem.seconds, 1), min: i18n.number(problem.min) });
      case 'tooLong':
        return t('device.tooLong', { actual: i18n.number(problem.seconds, 1), max: i18n.number(problem.max) });
    }
  }

  function problem(error: unknown): string {
    if (error instanceof UserFacingError) return error.message;
    if (error instanceof AbortedError) return t('upload.cancelled');
    if (error instanceof SessionError) return t('error.sessionInvalid');
    if (error instanceof LivenessApiError && error.code === 'ATTEMPT_LIMIT_REACHED') return t('error.attemptLimit');
    if (error instanceof UploadRefusedError) {
      if (error.s3Code === 'EntityTooLarge') return t('reason.MEDIA_TOO_LARGE');
      if (error.s3Code === 'AccessDenied') return t('error.uploadExpired');
    }
    if (error instanceof TransportError) return t('error.network');
    if (error instanceof CheckTimeoutError) return t('error.timeout');
    // Anything else is ours to fix: say so, and give support the check to look up.
    return session ? t('error.genericWithReference', { reference: session.checkId }) : t('error.generic');
  }

  // -------------------------------------------------------------------------------------------
  // Step 1: consent

  function showConsent(): void {
    const own = options.consent?.texts?.[locale] ?? {};
    ui.consentCollected.textContent = own.collected ?? t('consent.collected');
    ui.consentPurpose.textContent = own.purpose ?? t('consent.purpose');
    ui.consentRetention.textContent = own.retention ?? t('consent.retention');
    ui.consentProcessor.textContent = own.processor ?? t('consent.processor');
    show('consent');
  }

  ui.consentAccept.addEventListener('click', () => {
    consent = { noticeVersion, acceptedAt: new Date().toISOString() };
    void obtainSession();
  });
  ui.consentDecline.addEventListener('click', () => {
    announce(t('consent.declined'));
    show('declined');
  });
  ui.consentReopen.addEventListener('click', () => {
    announce('');
    showConsent();
  });

  // -------------------------------------------------------------------------------------------
  // Step 2: the check and what it needs

  async function obtainSession(): Promise<void> {
    showError(undefined);
    ui.consentAccept.disabled = true;
    try {
      if (fixedSession) {
        session = fixedSession;
      } else if (sessionProblem) {
        throw new SessionError('invalid session');
      } else if (options.createSession && consent) {
        session = parseSession(await options.createSession(consent), apiUrl);
      } else {
        const created = await new LivenessClient({ apiUrl }).createCheck({
          ...(options.provider !== undefined ? { provider: options.provider } : {}),
          ...(options.parts !== undefined ? { parts: [...options.parts] } : {}),
          ...(consent ? { consent } : {}),
        });
        session = parseSession({ ...created, apiUrl }, apiUrl);
      }
      // Forms past their expiry would be refused by S3 after the user recorded: say so now.
      if (session.expiresAt !== undefined && Date.parse(session.expiresAt) <= Date.now()) {
        throw new UserFacingError(t('error.uploadExpired'));
      }
    } catch (error) {
      showError(problem(error));
      show(ui.screens.consent.hidden ? 'outcome' : 'consent', ui.error);
      return;
    } finally {
      ui.consentAccept.disabled = false;
    }
    showPrepare(session);
  }

  function ruleOf(active: CaptureSession, part: PartName): PartRule {
    const form = active.uploads[part];
    if (!form) throw new Error(`no upload form for ${part}`);
    return partRule(part, form, active.provider, active.limits[part]);
  }

  function livePart(active: CaptureSession): 'video' | 'selfie' {
    return active.parts.includes('video') ? 'video' : 'selfie';
  }

  function showPrepare(active: CaptureSession): void {
    const live = livePart(active);
    const liveRule = ruleOf(active, live);
    const seconds = recordSeconds(liveRule);
    const needs = [live === 'video' ? t('prepare.needVideo', { seconds }) : t('prepare.needSelfie')];
    if (active.parts.includes('reference')) needs.push(t('prepare.needReference'));
    ui.needs.replaceChildren(
      ...needs.map((text) => {
        const item = document.createElement('li');
        item.textContent = text;
        return item;
      }),
    );
    ui.referenceField.hidden = !active.parts.includes('reference');
    ui.referenceFile.required = active.parts.includes('reference');
    ui.captureFileLabel.textContent = live === 'video' ? t('prepare.chooseVideo') : t('prepare.choosePhoto');
    ui.captureFile.accept = liveRule.contentTypes.join(',');
    ui.capture.textContent = live === 'video' ? t('camera.record', { seconds }) : t('camera.takePhoto');
    const camera = cameraAvailable() && (live === 'selfie' || recordingType() !== undefined);
    ui.startCamera.hidden = !camera;
    ui.cameraUnavailable.hidden = camera;
    announce('');
    show('prepare');
  }

  /** The reference photo the user chose, checked; undefined when the check takes none. */
  async function checkedReference(active: CaptureSession): Promise<Blob | undefined> {
    if (!active.parts.includes('reference')) return undefined;
    const file = ui.referenceFile.files?.[0];
    if (!file) {
      ui.referenceFile.focus();
      throw new UserFacingError(t('prepare.referenceMissing'));
    }
    await refuseIfBad('reference', file, undefined, ruleOf(active, 'reference'));
    return file;
  }

  /** Type and size first (free), then the picture's size and duration. */
  async function refuseIfBad(part: PartName, file: Blob, known: MediaFacts | undefined, rule: PartRule): Promise<void> {
    const container = checkContainer(file, rule);
    if (container) throw new UserFacingError(problemText(part, container));
    let facts = known;
    if (facts === undefined) {
      try {
        facts = await measureFile(file, rule.kind);
      } catch {
        throw new UserFacingError(t('device.unreadable', { part: partLabel(part) }));
      }
    }
    const measured = checkFacts(facts, rule);
    if (measured) throw new UserFacingError(problemText(part, measured));
  }

  // -------------------------------------------------------------------------------------------
  // Step 3: camera or file

  ui.referenceFile.addEventListener('change', () => {
    const file = ui.referenceFile.files?.[0];
    ui.referenceChosen.textContent = file ? t('prepare.referenceChosen', { name: file.name }) : t('prepare.noReference');
  });
  ui.startCamera.addEventListener('click', () => void startCamera());
  ui.captureFile.addEventListener('change', () => {
    const file = ui.captureFile.files?.[0];
    ui.captureFile.value = '';
    if (file && session) void submit(session, file, undefined);
  });
  ui.cancelCamera.addEventListener('click', () => {
    stopCamera(stream);
    stream = undefined;
    setGuideState('off');
    announce('');
    show('prepare', ui.startCamera);
  });
  ui.capture.addEventListener('click', () => void capture(false));
  // The capture button waits for the camera's first frame: a still taken before it is blank.
  for (const event of ['loadeddata', 'resize'] as const) {
    ui.preview.addEventListener(event, () => {
      if (stream && !capturing && hasFrame(ui.preview)) ui.capture.disabled = false;
    });
  }
  ui.cancelUpload.addEventListener('click', () => inFlight?.abort());

  async function startCamera(): Promise<void> {
    const active = session;
    if (!active) return;
    showError(undefined);
    try {
      await checkedReference(active);
    } catch (error) {
      showError(problem(error));
      return;
    }
    announce(t('camera.asking'));
    try {
      stream = await openCamera();
    } catch (error) {
      announce('');
      showError(cameraProblem(error));
      return;
    }
    // The camera's own resolution is known now: refuse before recording what the server would refuse.
    const live = livePart(active);
    const low = checkFacts(cameraSize(stream), { ...ruleOf(active, live), kind: 'image' });
    if (low) {
      stopCamera(stream);
      stream = undefined;
      announce('');
      showError(problemText(live, low));
      return;
    }
    ui.preview.srcObject = stream;
    ui.capture.disabled = !hasFrame(ui.preview);
    void guide(active, stream);
  }

  // -------------------------------------------------------------------------------------------
  // Guidance on the live picture (web/app/face-guide.ts): a quality gate, not presentation-attack
  // detection. Capture starts by itself once one face, large and centred enough for the provider,
  // has held for about a second; where the detector cannot run, the record button is the way.

  let hintTimer: ReturnType<typeof setTimeout> | undefined;

  function setGuideState(state: 'loading' | 'active' | 'manual' | 'off', guide?: FaceGuide, fps?: number): void {
    const camera = ui.screens.camera;
    camera.dataset.guide = state;
    if (guide) camera.dataset.guideBackend = guide.backend;
    if (fps !== undefined) camera.dataset.guideFps = fps.toFixed(1);
    ui.guideHint.hidden = state !== 'loading' && state !== 'active';
    if (state !== 'active') clearTimeout(hintTimer);
  }

  function showHint(hint: GuideHint): void {
    const text = t(`guide.${hint}`);
    ui.guideHint.textContent = text;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(() => announce(text), HINT_ANNOUNCE_MS);
  }

  function manualCapture(live: 'video' | 'selfie'): void {
    setGuideState('manual');
    ui.capture.hidden = false;
    const watched = stream;
    // The button is offered (enabled, focused, announced) once the preview shows a frame.
    const offer = (): void => {
      if (stream !== watched || capturing) return;
      ui.capture.disabled = false;
      ui.capture.focus();
      announce(live === 'video' ? t('guide.manualVideo') : t('guide.manualPhoto'));
    };
    if (hasFrame(ui.preview)) offer();
    else ui.preview.addEventListener('loadeddata', offer, { once: true });
  }

  async function guide(active: CaptureSession, watched: MediaStream): Promise<void> {
    const live = livePart(active);
    ui.capture.hidden = true;
    ui.guideHint.textContent = t('guide.loading');
    setGuideState('loading');
    show('camera');
    announce(live === 'video' ? t('guide.autoVideo') : t('guide.autoPhoto'));
    let detector: FaceGuide;
    try {
      detector = await faceGuide(GUIDE_BASE, GUIDE_LOAD_TIMEOUT_MS);
    } catch {
      if (stream === watched) manualCapture(live);
      return;
    }
    if (stream !== watched) return;
    setGuideState('active', detector);
    const rule = framingRule(active.provider);
    const steady = new SteadyTimer();
    const started = performance.now();
    let frames = 0;
    let shown: GuideHint | undefined;
    while (stream === watched) {
      if (!hasFrame(ui.preview)) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      let hint: GuideHint;
      try {
        hint = judgeFrame(await detector.look(ui.preview), rule);
      } catch {
        if (stream === watched) manualCapture(live);
        return;
      }
      if (stream !== watched) return;
      frames += 1;
      setGuideState('active', detector, frames / ((performance.now() - started) / 1000));
      if (hint !== shown) {
        shown = hint;
        showHint(hint);
      }
      if (steady.update(hint, performance.now())) {
        setGuideState('off');
        await capture(true);
        return;
      }
      // Yield to the page between detections (the preview keeps playing, buttons keep answering).
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  function cameraProblem(error: unknown): string {
    const name = error instanceof DOMException ? error.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') return t('error.cameraBlocked');
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return t('error.noCamera');
    if (name === 'NotReadableError') return t('error.cameraInUse');
    return t('error.cameraFailed');
  }

  /** `auto`: the guide saw the face held still; the second it held replaces the countdown. */
  async function capture(auto: boolean): Promise<void> {
    const active = session;
    if (!stream || !active) return;
    const live = livePart(active);
    capturing = true;
    ui.capture.disabled = true;
    ui.cancelCamera.disabled = true;
    let file: Blob;
    let facts: MediaFacts;
    try {
      if (live === 'selfie') {
        const still = await takePhoto(ui.preview);
        file = still.photo;
        facts = { width: still.width, height: still.height };
      } else {
        const seconds = recordSeconds(ruleOf(active, 'video'));
        for (let left = auto ? 0 : COUNTDOWN_SECONDS; left > 0; left--) {
          ui.countdown.textContent = String(left);
          announce(t('camera.countdown', { seconds: left }));
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        ui.countdown.textContent = '';
        ui.recIndicator.hidden = false;
        announce(t('camera.recordingFor', { seconds }));
        const size = cameraSize(stream);
        const recording = await record(stream, seconds, (left) => {
          ui.recTime.textContent = t('camera.secondsLeft', { seconds: left });
        });
        file = recording.video;
        facts = { ...size, durationSeconds: recording.seconds };
      }
    } catch {
      showError(t('error.recordingFailed'));
      return;
    } finally {
      ui.countdown.textContent = '';
      ui.recIndicator.hidden = true;
      capturing = false;
      ui.capture.disabled = false;
      ui.cancelCamera.disabled = false;
      stopCamera(stream);
      stream = undefined;
    }
    await submit(active, file, facts);
  }

  // -------------------------------------------------------------------------------------------
  // Step 4: checks on the device, uploads, the wait

  async function submit(active: CaptureSession, liveFile: Blob, liveFacts: MediaFacts | undefined): Promise<void> {
    showError(undefined);
    const live = livePart(active);
    let files: [PartName, Blob][];
    try {
      const reference = await checkedReference(active);
      await refuseIfBad(live, liveFile, liveFacts, ruleOf(active, live));
      files = [[live, liveFile]];
      if (reference) files.push(['reference', reference]);
    } catch (error) {
      // Nothing was sent: the user fixes it here and tries again on the same check.
      show('prepare', ui.error);
      showError(problem(error));
      announce('');
      return;
    }

    const controller = new AbortController();
    inFlight = controller;
    const signal = controller.signal;
    show('uploading');
    renderProgressRows(files.map(([part]) => part));
    announce(t('upload.sending'));
    try {
      const uploader = new CheckSession({
        apiUrl: active.apiUrl,
        handoff: { checkId: active.checkId, uploads: active.uploads, pollToken: active.pollToken },
      });
      await Promise.all(files.map(([part, file]) => uploader.upload(part, file, { signal, onProgress: renderProgress })));
      announce(t('upload.checking'));
      const view = await uploader.waitForResult({ signal });
      showOutcome(view);
    } catch (error) {
      if (error instanceof AbortedError) {
        show('prepare', ui.error);
      } else {
        show('outcome', ui.error);
        renderOutcomeAction(undefined);
      }
      announce('');
      showError(problem(error));
    } finally {
      inFlight = undefined;
    }
  }

  function showOutcome(view: CheckStatusResponse): void {
    const text = outcomeText(view, i18n);
    lastTone = text.tone;
    ui.outcome.dataset.tone = text.tone;
    ui.outcomeTitle.textContent = text.title;
    ui.outcomeMessage.textContent = text.message;
    ui.outcomeReference.hidden = text.reference === undefined;
    ui.outcomeReference.textContent = text.reference ?? '';
    renderOutcomeAction(text.tone);
    show('outcome');
    announce(`${text.title}. ${text.message}`);
    const outcome: CaptureOutcome = {
      checkId: view.checkId,
      status: view.status,
      ...(view.decision !== undefined ? { decision: view.decision } : {}),
      reasons: (view.reasons ?? []).map((reason) => reason.code),
    };
    options.onComplete?.(outcome);
    window.dispatchEvent(new CustomEvent('liveness-capture:complete', { detail: outcome }));
  }

  function renderOutcomeAction(tone: Tone | undefined): void {
    lastTone = tone;
    ui.again.hidden = false;
    if (!canRenew || tone === 'success' || tone === 'review' || tone === 'fail') {
      ui.again.textContent = t('action.done');
      ui.again.dataset.action = 'done';
    } else {
      ui.again.textContent = tone === 'retry' ? t('action.recordAgain') : t('action.startAgain');
      ui.again.dataset.action = 'again';
    }
  }

  ui.again.addEventListener('click', () => {
    showError(undefined);
    announce('');
    if (ui.again.dataset.action === 'again') {
      // A check takes one set of uploads: a new attempt is a new check, under the same consent.
      session = undefined;
      void obtainSession();
      return;
    }
    ui.again.hidden = true;
    window.dispatchEvent(new CustomEvent('liveness-capture:done', { detail: { tone: lastTone } }));
  });

  function renderProgressRows(parts: readonly PartName[]): void {
    ui.progressList.replaceChildren(
      ...parts.map((part) => {
        const row = document.createElement('li');
        row.className = 'progress-row';
        const name = document.createElement('label');
        name.htmlFor = `progress-${part}`;
        name.textContent = partLabel(part);
        const bar = document.createElement('progress');
        bar.id = `progress-${part}`;
        bar.max = 100;
        bar.value = 0;
        const percent = document.createElement('span');
        percent.className = 'percent';
        percent.id = `progress-${part}-text`;
        percent.textContent = `${i18n.number(0)}%`;
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
    if (text) text.textContent = `${i18n.number(percent)}%`;
  }

  if (sessionProblem) {
    show('outcome', ui.error);
    ui.again.hidden = true;
    showError(t('error.sessionInvalid'));
  } else {
    showConsent();
  }
  return { locale };
}

// ---------------------------------------------------------------------------------------------
// The static page: options from the URL. An operator page that calls `start` itself sets
// `<body data-autostart="false">`.

/** `?lang=`, `?provider=`, `?parts=video,reference`, and the fragment's `session=` (or this tab's stored one). */
export function optionsFromLocation(location: Location, storage: Storage | undefined): StartOptions {
  const query = new URLSearchParams(location.search);
  const fragment = sessionParamOf(location.hash);
  let session = fragment;
  if (fragment !== undefined) {
    // The poll token should not stay in the address bar, history or a screenshot; a reload in
    // this tab still finds it.
    storage?.setItem(SESSION_STORAGE_KEY, fragment);
    history.replaceState(null, '', `${location.pathname}${location.search}`);
  } else {
    session = storage?.getItem(SESSION_STORAGE_KEY) ?? undefined;
  }
  const lang = query.get('lang');
  const provider = query.get('provider');
  const parts = query
    .get('parts')
    ?.split(',')
    .filter((part): part is PartName => part === 'video' || part === 'selfie' || part === 'reference');
  const noticeVersion = document.body.dataset.noticeVersion;
  return {
    ...(session !== undefined ? { session } : {}),
    ...(lang !== null ? { lang } : {}),
    ...(provider !== null ? { provider } : {}),
    ...(parts !== undefined && parts.length > 0 ? { parts } : {}),
    ...(noticeVersion !== undefined ? { consent: { noticeVersion } } : {}),
  };
}

declare global {
  interface Window {
    LivenessCapture?: { start: typeof start; isLocale: typeof isLocale };
  }
}

window.LivenessCapture = { start, isLocale };

if (document.body.dataset.autostart !== 'false') {
  let storage: Storage | undefined;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = undefined;
  }
  start(optionsFromLocation(window.location, storage));
  // An ended check's session is of no further use in this tab.
  window.addEventListener('liveness-capture:complete', () => storage?.removeItem(SESSION_STORAGE_KEY));
}

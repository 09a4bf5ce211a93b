// The local review page: the queue of checks awaiting a person (oldest first), one check with its
// media, the provider's reasons and scores, and the reviewer's PASS / FAIL / RETRY.
//
// It calls the backend review routes on its own origin, unsigned: that works only on the local
// stack, where those routes are open (deployed they are IAM-authorised; README "Review page").
// Everything from the API goes into the page as text (textContent), and a presigned media link is
// only ever a src: it is never logged, stored or shown.
import { LivenessApiError, LivenessClient, TransportError, type CheckResultResponse } from '../../src/client';
import type { ReviewQueueResponse, ReviewRequest } from '../../src/core/api-schemas';
import type { PartName } from '../../src/core/check';
import { conflictMessage, formatTime, mediaSummary, PART_LABELS, reviewFacts, scoreRows } from './view';

type QueueItem = ReviewQueueResponse['items'][number];
type Decision = ReviewRequest['decision'];
type Screen = 'queue' | 'check' | 'decided';
const SCREENS: readonly Screen[] = ['queue', 'check', 'decided'];
const DECISIONS: readonly Decision[] = ['PASS', 'FAIL', 'RETRY'];

function element<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The page has no #${id}`);
  return found;
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

/** `?limit=` (1–100) sets the page size of the queue; default the API's own (50). */
function pageSize(raw: string | null): number | undefined {
  const value = Number(raw);
  return raw !== null && Number.isInteger(value) && value >= 1 && value <= 100 ? value : undefined;
}

const client = new LivenessClient({ apiUrl: window.location.origin });
const limit = pageSize(new URLSearchParams(window.location.search).get('limit'));

const ui = {
  queueSummary: element('queue-summary', HTMLParagraphElement),
  queueTable: element('queue-table', HTMLTableElement),
  queueRows: element('queue-rows', HTMLTableSectionElement),
  refresh: element('refresh', HTMLButtonElement),
  more: element('more', HTMLButtonElement),
  checkTitle: element('check-title', HTMLHeadingElement),
  checkFacts: element('check-facts', HTMLDListElement),
  checkBack: element('check-back', HTMLButtonElement),
  media: element('check-media', HTMLDivElement),
  mediaNote: element('media-note', HTMLParagraphElement),
  reasons: element('check-reasons', HTMLUListElement),
  scores: element('check-scores', HTMLTableElement),
  scoreRows: element('scores-rows', HTMLTableSectionElement),
  scoresNone: element('scores-none', HTMLParagraphElement),
  decide: element('decide', HTMLFormElement),
  reviewer: element('reviewer', HTMLInputElement),
  reviewerError: element('reviewer-error', HTMLParagraphElement),
  note: element('note', HTMLTextAreaElement),
  decidedSummary: element('decided-summary', HTMLParagraphElement),
  decidedFacts: element('decided-facts', HTMLDListElement),
  decidedBack: element('decided-back', HTMLButtonElement),
  error: element('error', HTMLParagraphElement),
  status: element('status', HTMLParagraphElement),
};
const decisionButtons = [...ui.decide.querySelectorAll<HTMLButtonElement>('button[data-decision]')];

/** Answers that arrive after the reviewer moved on (back to the queue, another check) are dropped. */
let view = 0;
let nextToken: string | undefined;
let opened: string | undefined;

function show(screen: Screen): void {
  view += 1;
  document.body.dataset.screen = screen;
  for (const id of SCREENS) element(id, HTMLElement).hidden = id !== screen;
  hideError();
  element(`${screen}-title`, HTMLHeadingElement).focus();
}

function announce(text: string): void {
  ui.status.textContent = text;
}

function showError(text: string): void {
  ui.error.textContent = text;
  ui.error.hidden = false;
  ui.error.focus();
}

function hideError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

function describe(error: unknown): string {
  if (error instanceof LivenessApiError) return `The gateway refused: ${error.message} (${error.status} ${error.code})`;
  if (error instanceof TransportError) return 'The gateway could not be reached. Is the local stack (npm start) still running?';
  return `Something went wrong (${error instanceof Error ? error.name : 'unknown error'}).`;
}

function facts(list: HTMLDListElement, pairs: readonly (readonly [string, string])[]): void {
  list.replaceChildren(
    ...pairs.map(([term, value]) => {
      const pair = make('div');
      pair.append(make('dt', term), make('dd', value));
      return pair;
    }),
  );
}

function time(iso: string): HTMLTimeElement {
  const node = make('time', formatTime(iso));
  node.dateTime = iso;
  return node;
}

// ---------------------------------------------------------------------------------------------
// The queue

function queueRow(item: QueueItem): HTMLTableRowElement {
  const row = make('tr');
  row.dataset.checkId = item.checkId;
  const when = make('td');
  when.append(time(item.completedAt));
  const id = make('td');
  id.append(make('code', item.checkId));
  const reasons = make('td');
  for (const reason of item.reasons) {
    const code = make('code', reason.code, 'reason-code');
    code.title = reason.message;
    reasons.append(code, ' ');
  }
  const action = make('td');
  const open = make('button', 'Open', 'secondary small');
  open.type = 'button';
  open.append(make('span', ` check ${item.checkId}`, 'visually-hidden'));
  open.addEventListener('click', () => void openCheck(item.checkId));
  action.append(open);
  row.append(when, id, make('td', item.externalRef ?? '—'), make('td', item.provider), reasons, action);
  return row;
}

async function loadQueue(more: boolean): Promise<void> {
  const current = view;
  hideError();
  if (!more) {
    ui.queueRows.replaceChildren();
    nextToken = undefined;
  }
  ui.queueSummary.textContent = 'Loading…';
  ui.refresh.disabled = true;
  ui.more.disabled = true;
  try {
    const page = await client.listReviews({
      ...(limit !== undefined ? { limit } : {}),
      ...(more && nextToken !== undefined ? { nextToken } : {}),
    });
    if (current !== view) return;
    const rows = page.items.map(queueRow);
    ui.queueRows.append(...rows);
    nextToken = page.nextToken;
    ui.more.hidden = nextToken === undefined || page.items.length === 0;
    const count = ui.queueRows.childElementCount;
    ui.queueTable.hidden = count === 0;
    ui.queueSummary.textContent =
      count === 0
        ? 'No checks are waiting for review.'
        : `${count} ${count === 1 ? 'check' : 'checks'} shown, oldest first${ui.more.hidden ? '.' : '; more are waiting.'}`;
    announce(ui.queueSummary.textContent);
    // After "Load more", keyboard users continue at the first new row.
    if (more) rows[0]?.querySelector('button')?.focus();
  } catch (error) {
    if (current !== view) return;
    ui.queueSummary.textContent = 'The queue could not be loaded.';
    showError(describe(error));
  } finally {
    ui.refresh.disabled = false;
    ui.more.disabled = false;
  }
}

function backToQueue(): void {
  opened = undefined;
  show('queue');
  void loadQueue(false);
}

// ---------------------------------------------------------------------------------------------
// One check

function mediaFigure(part: PartName, url: string, result: CheckResultResponse): HTMLElement {
  const figure = make('figure');
  figure.dataset.part = part;
  const caption = make('figcaption');
  caption.id = `media-${part}-caption`;
  caption.append(make('strong', PART_LABELS[part]));
  const summary = mediaSummary(result.media.find((facts) => facts.part === part));
  if (summary) caption.append(` — ${summary}`);
  const failed = () => {
    const message = make('p', 'This media could not be loaded. Its link lasts 5 minutes: reopen the check for a new one.');
    message.className = 'field-error';
    media.replaceWith(message);
  };
  let media: HTMLVideoElement | HTMLImageElement;
  if (part === 'video') {
    const video = make('video');
    video.controls = true;
    video.preload = 'metadata';
    video.playsInline = true;
    video.setAttribute('aria-labelledby', caption.id);
    video.addEventListener('error', failed, { once: true });
    video.src = url;
    media = video;
  } else {
    const image = make('img');
    image.alt = part === 'reference' ? 'The ID photo the applicant uploaded' : 'The selfie the applicant took';
    image.addEventListener('error', failed, { once: true });
    image.src = url;
    media = image;
  }
  figure.append(media, caption);
  return figure;
}

async function showMedia(checkId: string, result: CheckResultResponse, current: number): Promise<void> {
  ui.media.replaceChildren();
  if (result.mediaDeletedAt !== undefined) {
    ui.mediaNote.textContent = `The media was deleted at ${formatTime(result.mediaDeletedAt)}.`;
    ui.mediaNote.hidden = false;
    return;
  }
  ui.mediaNote.hidden = true;
  // Each link is audited (MEDIA_VIEWED) and lasts at most 5 minutes: asked for only now.
  const links = await Promise.all(
    result.parts.map(async (part): Promise<{ part: PartName; url: string } | { part: PartName; error: unknown }> => {
      try {
        return { part, url: (await client.getMediaUrl(checkId, part)).url };
      } catch (error) {
        return { part, error };
      }
    }),
  );
  if (current !== view) return;
  for (const link of links) {
    if ('url' in link) ui.media.append(mediaFigure(link.part, link.url, result));
    else {
      const missing =
        link.error instanceof LivenessApiError && link.error.status === 404
          ? `${PART_LABELS[link.part]}: no longer stored.`
          : `${PART_LABELS[link.part]}: ${describe(link.error)}`;
      ui.media.append(make('p', missing, 'hint'));
    }
  }
}

function showResult(result: CheckResultResponse): void {
  facts(ui.checkFacts, [
    ['Provider', result.provider],
    ['Applicant ref', result.externalRef ?? '—'],
    ['Completed', result.timings.completedAt ? formatTime(result.timings.completedAt) : '—'],
    ['Decision now', result.decision ?? result.status],
    ['Parts', result.parts.join(', ')],
  ]);
  const reasons = result.reasons ?? [];
  ui.reasons.replaceChildren(
    ...(reasons.length === 0
      ? [make('li', 'The provider gave no reasons.')]
      : reasons.map((reason) => {
          const item = make('li');
          item.append(make('code', reason.code, 'reason-code'), ' ', make('span', reason.message));
          return item;
        })),
  );
  const rows = scoreRows(result);
  ui.scoreRows.replaceChildren(
    ...rows.map((row) => {
      const tr = make('tr');
      tr.append(make('th', row.measure), make('td', row.finding), make('td', row.score || '—'));
      tr.firstElementChild?.setAttribute('scope', 'row');
      return tr;
    }),
  );
  ui.scores.hidden = rows.length === 0;
  ui.scoresNone.hidden = rows.length > 0;
}

function setDeciding(enabled: boolean): void {
  for (const button of decisionButtons) button.disabled = !enabled;
}

async function openCheck(checkId: string): Promise<void> {
  opened = checkId;
  ui.checkTitle.textContent = `Check ${checkId}`;
  for (const list of [ui.checkFacts, ui.reasons, ui.scoreRows, ui.media]) list.replaceChildren();
  ui.mediaNote.hidden = true;
  ui.note.value = '';
  ui.reviewerError.hidden = true;
  ui.reviewer.removeAttribute('aria-invalid');
  setDeciding(false);
  show('check');
  const current = view;
  announce('Loading the check…');
  try {
    const result = await client.getResult(checkId);
    if (current !== view) return;
    showResult(result);
    const awaiting = result.decision === 'REVIEW' && result.review === undefined;
    setDeciding(awaiting);
    if (!awaiting) showError(conflictMessage(result));
    announce(`Check ${checkId} loaded.`);
    await showMedia(checkId, result, current);
  } catch (error) {
    if (current !== view) return;
    showError(
      error instanceof LivenessApiError && error.status === 404 ? 'This check no longer exists: it was erased.' : describe(error),
    );
  }
}

async function decide(decision: Decision): Promise<void> {
  const checkId = opened;
  if (checkId === undefined) return;
  const reviewer = ui.reviewer.value.trim();
  if (reviewer === '') {
    ui.reviewerError.hidden = false;
    ui.reviewer.setAttribute('aria-invalid', 'true');
    ui.reviewer.focus();
    return;
  }
  ui.reviewerError.hidden = true;
  ui.reviewer.removeAttribute('aria-invalid');
  hideError();
  const current = view;
  setDeciding(false);
  ui.decide.setAttribute('aria-busy', 'true');
  announce(`Recording ${decision}…`);
  const note = ui.note.value.trim();
  try {
    const updated = await client.reviewCheck(checkId, { decision, reviewer, ...(note ? { note } : {}) });
    if (current !== view) return;
    showDecided(updated);
  } catch (error) {
    if (current !== view) return;
    if (error instanceof LivenessApiError && error.status === 409) {
      const now = await client.getResult(checkId).catch(() => undefined);
      if (current !== view) return;
      if (now) showResult(now);
      showError(conflictMessage(now));
    } else if (error instanceof LivenessApiError && error.status === 404) {
      showError('This check no longer exists: it was erased. Your decision was not recorded.');
    } else {
      setDeciding(true);
      showError(describe(error));
    }
  } finally {
    ui.decide.removeAttribute('aria-busy');
  }
}

function showDecided(result: CheckResultResponse): void {
  show('decided');
  const review = result.review;
  ui.decidedSummary.textContent = review
    ? `Check ${result.checkId} is now ${review.decision}. It has left the queue.`
    : `Check ${result.checkId} was updated.`;
  facts(ui.decidedFacts, review ? reviewFacts(review, result) : []);
  announce(ui.decidedSummary.textContent);
}

// ---------------------------------------------------------------------------------------------

ui.refresh.addEventListener('click', () => void loadQueue(false));
ui.more.addEventListener('click', () => void loadQueue(true));
ui.checkBack.addEventListener('click', backToQueue);
ui.decidedBack.addEventListener('click', backToQueue);
for (const button of decisionButtons) {
  const decision = DECISIONS.find((candidate) => candidate === button.dataset.decision);
  if (decision) button.addEventListener('click', () => void decide(decision));
}
// Enter in the name field must not decide anything: only the three buttons do.
ui.decide.addEventListener('submit', (event) => event.preventDefault());
ui.reviewer.addEventListener('input', () => {
  if (ui.reviewer.value.trim() === '') return;
  ui.reviewerError.hidden = true;
  ui.reviewer.removeAttribute('aria-invalid');
});

void loadQueue(false);

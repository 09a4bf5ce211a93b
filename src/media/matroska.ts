// Matroska and WebM. The head holds the EBML header, Info and Tracks. The duration comes from
// Info, or, for browser recordings (MediaRecorder writes no Duration and unknown-size Segment
// and Clusters), from the last Cluster timecode plus the last block's relative timecode, found
// in the tail: the earliest offset from which a chain of cluster-level elements ends exactly at
// the end of the file. No such chain in a file of unknown size means it was cut.
import { corrupt, unsupported } from './errors';
import { headerAt, headerIn, ID, readFloat, readString, readUint, type ElementHeader } from './ebml';
import { setDuration, setPicture, type Measured } from './measured';
import type { SparseFile } from './sparse-file';

interface Span {
  readonly dataStart: number;
  readonly end: number;
}

interface TrackInfo {
  number?: number;
  type?: number;
  codecId?: string;
  defaultDurationNs?: number;
  width?: number;
  height?: number;
}

interface SegmentHead {
  timecodeScale: number;
  durationTicks?: number;
  tracks?: TrackInfo[];
  firstCluster?: number;
}

const MAX_ELEMENTS = 4096;
const MAX_TRACKS = 64;
/** Browser recordings reorder nothing, ffmpeg's H.264 reorders a few frames: the last blocks suffice. */
const LAST_BLOCKS_CONSIDERED = 16;
const NANOSECONDS = 1e9;

const CODEC_NAMES: Readonly<Record<string, string>> = {
  'V_MPEG4/ISO/AVC': 'h264',
  'V_MPEGH/ISO/HEVC': 'hevc',
  V_VP8: 'vp8',
  V_VP9: 'vp9',
  V_AV1: 'av1',
  'V_MPEG4/ISO/ASP': 'mpeg4',
};

/** Elements entered rather than skipped while walking clusters flat. */
const ENTERED = new Set<number>([ID.Cluster, ID.BlockGroup]);

type LeafRule = (bytes: Uint8Array, dataAt: number, size: number, tracks: ReadonlySet<number>) => boolean;

const anySize: LeafRule = () => true;
const integer: LeafRule = (_bytes, _at, size) => size <= 8;
const block: LeafRule = (bytes, at, size, tracks) => {
  const track = blockTrack(bytes, at, size);
  return track !== undefined && tracks.has(track.number);
};

/**
 * What may follow the first cluster, each with the check its payload must pass. The checks make a
 * chain that starts inside a frame's bytes by accident very unlikely to reach the end of the file.
 */
const CLUSTER_LEVEL = new Map<number, LeafRule>([
  [ID.Timecode, integer],
  [ID.SimpleBlock, block],
  [ID.Block, block],
  [ID.BlockDuration, integer],
  [ID.Void, anySize],
  [ID.Crc32, (_bytes, _at, size) => size === 4],
  [0xfb, integer], // ReferenceBlock
  [0xa7, integer], // Position
  [0xab, integer], // PrevSize
  [0xfa, integer], // ReferencePriority
  [0x75a2, integer], // DiscardPadding
  [0x75a1, anySize], // BlockAdditions
  [0xa4, anySize], // CodecState
  [0x8e, anySize], // Slices
  [0x5854, anySize], // SilentTracks
  [ID.Cues, anySize],
  [ID.Tags, anySize],
  [ID.Chapters, anySize],
  [ID.Attachments, anySize],
  [ID.SeekHead, anySize],
  [ID.Info, anySize],
  [ID.Tracks, anySize],
]);

/** Track number (a vint) that opens every Block and SimpleBlock, followed by a 16-bit relative timecode. */
function blockTrack(bytes: Uint8Array, at: number, size: number): { number: number; length: number } | undefined {
  const first = bytes[at] ?? 0;
  const length = Math.clz32(first) - 23;
  if (first === 0 || length > 4 || length + 3 > size) return undefined;
  let value = first & (0xff >> length);
  for (let i = 1; i < length; i += 1) value = value * 256 + (bytes[at + i] ?? 0);
  return { number: value, length };
}

/** Offset just after the element at `i` (just after its header for entered masters), if it may sit in a chain. */
function stepAt(bytes: Uint8Array, i: number, tracks: ReadonlySet<number>): { header: ElementHeader; next: number } | undefined {
  const header = headerIn(bytes, i, 0);
  if (!header) return undefined;
  if (ENTERED.has(header.id)) return { header, next: header.dataStart };
  const rule = CLUSTER_LEVEL.get(header.id);
  if (header.size === undefined || !rule) return undefined;
  const next = header.dataStart + header.size;
  if (next > bytes.length || !rule(bytes, header.dataStart, header.size, tracks)) return undefined;
  return { header, next };
}

const hex = (id: number): string => `0x${id.toString(16).toUpperCase()}`;

function spanOf(header: ElementHeader, limit: number, where: string): Span {
  if (header.size === undefined) throw corrupt(`element ${hex(header.id)} at offset ${header.start} has an unknown size`);
  const end = header.dataStart + header.size;
  if (end > limit)
    throw corrupt(`element ${hex(header.id)} at offset ${header.start} runs past the end of the ${where} (truncated)`);
  return { dataStart: header.dataStart, end };
}

function eachElement(file: SparseFile, parent: Span, visit: (header: ElementHeader, span: Span) => void): void {
  let pos = parent.dataStart;
  for (let count = 0; pos < parent.end; count += 1) {
    if (count >= MAX_ELEMENTS) throw unsupported(`more than ${MAX_ELEMENTS} elements in one master element`);
    const header = headerAt(file, pos);
    const span = spanOf(header, parent.end, 'enclosing element');
    visit(header, span);
    pos = span.end;
  }
}

function parseDocType(file: SparseFile): { docType: string; end: number } {
  const header = headerAt(file, 0);
  if (header.id !== ID.EBML) throw corrupt('no EBML header');
  const span = spanOf(header, file.size, 'file');
  let docType = 'matroska';
  eachElement(file, span, (child) => {
    if (child.id === ID.DocType) docType = readString(file, child);
  });
  return { docType, end: span.end };
}

function parseInfo(file: SparseFile, span: Span, head: SegmentHead): void {
  let duration: number | undefined;
  eachElement(file, span, (child) => {
    if (child.id === ID.TimecodeScale) head.timecodeScale = readUint(file, child);
    if (child.id === ID.Duration) duration = readFloat(file, child);
  });
  if (!(head.timecodeScale > 0)) throw corrupt('Info declares a zero TimecodeScale');
  if (duration !== undefined && Number.isFinite(duration) && duration > 0) head.durationTicks = duration;
}

function parseTrackEntry(file: SparseFile, span: Span): TrackInfo {
  const track: TrackInfo = {};
  eachElement(file, span, (child, childSpan) => {
    if (child.id === ID.TrackNumber) track.number = readUint(file, child);
    if (child.id === ID.TrackType) track.type = readUint(file, child);
    if (child.id === ID.CodecID) track.codecId = readString(file, child);
    if (child.id === ID.DefaultDuration) track.defaultDurationNs = readUint(file, child);
    if (child.id === ID.Video) {
      eachElement(file, childSpan, (video) => {
        if (video.id === ID.PixelWidth) track.width = readUint(file, video);
        if (video.id === ID.PixelHeight) track.height = readUint(file, video);
      });
    }
  });
  return track;
}

function parseTracks(file: SparseFile, span: Span): TrackInfo[] {
  const tracks: TrackInfo[] = [];
  eachElement(file, span, (child, childSpan) => {
    if (child.id !== ID.TrackEntry) return;
    if (tracks.length >= MAX_TRACKS) throw unsupported(`more than ${MAX_TRACKS} tracks`);
    tracks.push(parseTrackEntry(file, childSpan));
  });
  return tracks;
}

/** Walks the Segment's children up to the first Cluster; clusters are not walked one by one. */
function parseSegmentHead(file: SparseFile, segment: ElementHeader, limit: number): SegmentHead {
  const head: SegmentHead = { timecodeScale: 1_000_000 };
  let pos = segment.dataStart;
  for (let count = 0; pos < limit; count += 1) {
    if (count >= MAX_ELEMENTS) throw unsupported(`more than ${MAX_ELEMENTS} elements before the first cluster`);
    const header = headerAt(file, pos);
    if (header.id === ID.Cluster) {
      head.firstCluster = pos;
      break;
    }
    const span = spanOf(header, limit, segment.size === undefined ? 'file' : 'segment');
    if (header.id === ID.Info) parseInfo(file, span, head);
    if (header.id === ID.Tracks) head.tracks = parseTracks(file, span);
    pos = span.end;
  }
  return head;
}

interface Block {
  readonly track: number;
  /** Timecode of the cluster that holds it, when that cluster's header was seen. */
  readonly clusterTimecode?: number;
  readonly relative: number;
  duration?: number;
}

interface FlatWalk {
  clusterTimecode?: number;
  awaitingTimecode: boolean;
  readonly blocks: Block[];
  /** Offset in the buffer where the walk stopped. */
  reached: number;
}

function uintIn(bytes: Uint8Array, from: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i += 1) value = value * 256 + (bytes[from + i] ?? 0);
  return value;
}

/** Walks cluster-level elements flat from `at` for as long as they are whole and valid in `bytes`. */
function walkFlat(bytes: Uint8Array, at: number, tracks: ReadonlySet<number>): FlatWalk {
  const walk: FlatWalk = { awaitingTimecode: false, blocks: [], reached: at };
  for (let i = at; i < bytes.length;) {
    const step = stepAt(bytes, i, tracks);
    if (!step) break;
    record(walk, bytes, step.header);
    i = step.next;
    walk.reached = i;
  }
  return walk;
}

function record(walk: FlatWalk, bytes: Uint8Array, header: ElementHeader): void {
  const { id, dataStart } = header;
  const size = header.size ?? 0;
  if (id === ID.Cluster) {
    walk.clusterTimecode = undefined;
    walk.awaitingTimecode = true;
    return;
  }
  if (id === ID.Timecode && walk.awaitingTimecode) {
    walk.clusterTimecode = uintIn(bytes, dataStart, size);
    walk.awaitingTimecode = false;
    return;
  }
  if (id !== ID.Crc32 && id !== ID.Void) walk.awaitingTimecode = false;
  const track = id === ID.SimpleBlock || id === ID.Block ? blockTrack(bytes, dataStart, size) : undefined;
  if (track) {
    const raw = uintIn(bytes, dataStart + track.length, 2);
    const relative = raw >= 0x8000 ? raw - 0x10000 : raw;
    const clusterTimecode = walk.clusterTimecode;
    walk.blocks.push({ track: track.number, relative, ...(clusterTimecode === undefined ? {} : { clusterTimecode }) });
  }
  const last = walk.blocks.at(-1);
  if (id === ID.BlockDuration && last) last.duration = uintIn(bytes, dataStart, size);
}

/** First bytes of every chain element's ID: most offsets are rejected by one table lookup. */
const CHAIN_FIRST_BYTES = (() => {
  const table = new Uint8Array(256);
  const firstByte = (id: number): number => (id > 0xffffff ? id >>> 24 : id > 0xffff ? id >>> 16 : id > 0xff ? id >>> 8 : id);
  for (const id of [...ENTERED, ...CLUSTER_LEVEL.keys()]) table[firstByte(id)] = 1;
  return table;
})();

/** reaches[i] = 1 when a chain of cluster-level elements from i ends exactly at the end of `bytes`. */
function chainsToEnd(bytes: Uint8Array, tracks: ReadonlySet<number>): Uint8Array {
  const reaches = new Uint8Array(bytes.length + 1);
  reaches[bytes.length] = 1;
  for (let i = bytes.length - 1; i >= 0; i -= 1) {
    if (CHAIN_FIRST_BYTES[bytes[i] ?? 0] !== 1) continue;
    const step = stepAt(bytes, i, tracks);
    if (step && reaches[step.next] === 1) reaches[i] = 1;
  }
  return reaches;
}

const isClusterIdAt = (bytes: Uint8Array, i: number): boolean =>
  bytes[i] === 0x1f && bytes[i + 1] === 0x43 && bytes[i + 2] === 0xb6 && bytes[i + 3] === 0x75;

interface TailChain {
  readonly walk: FlatWalk;
  /** The chain starts at a Cluster header, so its blocks are timed exactly. */
  readonly hasCluster: boolean;
}

/**
 * The chain to use in the tail region: from the last Cluster header that chains to the end when
 * there is one (a true header never leads the chain astray), else from the earliest offset that does.
 */
function tailChain(region: Uint8Array, tracks: ReadonlySet<number>): TailChain | undefined {
  const reaches = chainsToEnd(region, tracks);
  let earliest: number | undefined;
  let lastCluster: number | undefined;
  for (let i = 0; i < region.length; i += 1) {
    if (reaches[i] !== 1) continue;
    earliest ??= i;
    if (isClusterIdAt(region, i)) lastCluster = i;
  }
  const start = lastCluster ?? earliest;
  if (start === undefined) return undefined;
  const walk = walkFlat(region, start, tracks);
  // A chain of padding alone proves nothing about the frames before it.
  return walk.blocks.length > 0 ? { walk, hasCluster: lastCluster !== undefined } : undefined;
}

interface Timing {
  readonly video: TrackInfo;
  readonly trackNumbers: ReadonlySet<number>;
  readonly timecodeScale: number;
}

/** Frame length in ticks: the track's DefaultDuration, else the smallest step between the last video timestamps. */
function frameTicks(blocks: readonly Block[], timing: Timing, base: number): number {
  if (timing.video.defaultDurationNs) return timing.video.defaultDurationNs / timing.timecodeScale;
  const times = [
    ...new Set(blocks.filter((b) => b.track === timing.video.number).map((b) => (b.clusterTimecode ?? base) + b.relative)),
  ].sort((a, b) => a - b);
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i += 1) step = Math.min(step, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return Number.isFinite(step) ? step : 0;
}

/** End of the last blocks in ticks; blocks without a known cluster timecode use `fallbackTimecode`. */
function endTicks(blocks: readonly Block[], timing: Timing, fallbackTimecode: number | undefined): number | undefined {
  const last = blocks
    .slice(-LAST_BLOCKS_CONSIDERED)
    .filter((b) => timing.trackNumbers.has(b.track) && (b.clusterTimecode !== undefined || fallbackTimecode !== undefined));
  if (last.length === 0) return undefined;
  const frame = frameTicks(last, timing, fallbackTimecode ?? 0);
  let end = 0;
  for (const block of last) {
    const start = (block.clusterTimecode ?? fallbackTimecode ?? 0) + block.relative;
    end = Math.max(end, start + (block.duration ?? (block.track === timing.video.number ? frame : 0)));
  }
  return end;
}

const ticksToSeconds = (ticks: number, timing: Timing): number => (ticks * timing.timecodeScale) / NANOSECONDS;

/**
 * Times the file from its clusters. Exact when the bytes read reach from the first cluster to the
 * end, or when the tail holds a Cluster header; otherwise a lower bound from the last cluster seen.
 */
function measureFromClusters(file: SparseFile, out: Measured, firstCluster: number, timing: Timing, mustReachEnd: boolean): void {
  const tailStart = Math.max(firstCluster, file.size - file.tailZone);
  file.bytes(tailStart, file.size - tailStart);
  const headEnd = file.coveredRunEnd(firstCluster);
  const head = walkFlat(file.bytes(firstCluster, headEnd - firstCluster), 0, timing.trackNumbers);
  if (firstCluster + head.reached === file.size) {
    const ticks = endTicks(head.blocks, timing, undefined);
    if (ticks !== undefined) setDuration(out, ticksToSeconds(ticks, timing));
    return;
  }
  const regionStart = file.coveredRunStart(file.size);
  const chain = tailChain(file.bytes(regionStart, file.size - regionStart), timing.trackNumbers);
  if (!chain) {
    if (mustReachEnd) throw corrupt('no complete chain of elements reaches the end of the file (truncated)');
    out.notes.push('duration not measured: the tail holds no complete chain of cluster elements');
    return;
  }
  if (chain.hasCluster) {
    const ticks = endTicks(chain.walk.blocks, timing, undefined);
    if (ticks !== undefined) setDuration(out, ticksToSeconds(ticks, timing));
    return;
  }
  extendTailBackwards(file, headEnd, regionStart);
  timeAsLowerBound(out, head, chain.walk, timing);
}

/** Reads the gap just before the tail when the budget allows: the last Cluster header may be there. */
function extendTailBackwards(file: SparseFile, headEnd: number, regionStart: number): void {
  const length = Math.min(file.remainingBytes, regionStart - headEnd);
  if (length > 0 && file.canFetch(regionStart - length, length)) file.bytes(regionStart - length, length);
}

function timeAsLowerBound(out: Measured, head: FlatWalk, tail: FlatWalk, timing: Timing): void {
  const headTicks = endTicks(head.blocks, timing, undefined) ?? 0;
  // The tail's cluster started no earlier than the last cluster seen in the head. The chain's first
  // element may be a false start that happens to chain into the true elements: never trust it.
  const tailTicks = endTicks(tail.blocks.slice(1), timing, head.clusterTimecode) ?? 0;
  setDuration(out, ticksToSeconds(Math.max(headTicks, tailTicks), timing), true);
  out.notes.push(
    `duration is a lower bound (${out.durationSeconds ?? 0} s): no header duration, and the last cluster header lies in bytes not read`,
  );
}

function videoTrackOf(tracks: readonly TrackInfo[] | undefined): TrackInfo {
  if (!tracks) throw unsupported('no Tracks element before the first cluster');
  const video = tracks.find((t) => t.type === 1);
  if (!video) throw unsupported('no video track');
  return video;
}

/** Top-level elements after a known-size Segment must also end exactly at the end of the file. */
function checkTrailingElements(file: SparseFile, from: number): void {
  let pos = from;
  for (let count = 0; pos < file.size; count += 1) {
    if (count >= MAX_ELEMENTS) throw unsupported(`more than ${MAX_ELEMENTS} top-level elements`);
    pos = spanOf(headerAt(file, pos), file.size, 'file').end;
  }
}

export function parseMatroska(file: SparseFile, out: Measured): void {
  const { docType, end: headerEnd } = parseDocType(file);
  if (docType !== 'webm' && docType !== 'matroska') throw unsupported(`EBML DocType "${docType}" is neither webm nor matroska`);
  const segment = headerAt(file, headerEnd);
  if (segment.id !== ID.Segment) throw corrupt(`expected a Segment at offset ${headerEnd}, found ${hex(segment.id)}`);
  const segmentEnd = segment.size === undefined ? undefined : segment.dataStart + segment.size;
  if (segmentEnd !== undefined && segmentEnd > file.size) {
    throw corrupt(`Segment runs ${segmentEnd - file.size} bytes past the end of the file (truncated)`);
  }
  const head = parseSegmentHead(file, segment, segmentEnd ?? file.size);
  const video = videoTrackOf(head.tracks);
  out.codec = CODEC_NAMES[video.codecId ?? ''] ?? (video.codecId ?? 'unknown').toLowerCase();
  setPicture(out, video.width ?? 0, video.height ?? 0, 0);
  if (head.firstCluster === undefined) throw corrupt('no Cluster: the file holds no frames');
  const trackNumbers = new Set((head.tracks ?? []).flatMap((t) => (t.number === undefined ? [] : [t.number])));
  const timing: Timing = { video, trackNumbers, timecodeScale: head.timecodeScale };
  if (head.durationTicks !== undefined) setDuration(out, ticksToSeconds(head.durationTicks, timing));
  if (segmentEnd !== undefined) checkTrailingElements(file, segmentEnd);
  // An unknown-size Segment has no size to check truncation against: its tail must chain to the end.
  if (head.durationTicks === undefined || segmentEnd === undefined) {
    const timed: Measured = { notes: [] };
    measureFromClusters(file, timed, head.firstCluster, timing, segmentEnd === undefined);
    if (head.durationTicks === undefined) Object.assign(out, { ...timed, notes: [...out.notes, ...timed.notes] });
  }
}

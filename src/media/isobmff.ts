// ISO base media (mp4) and QuickTime (mov): walk the top-level boxes from the head, follow box
// sizes to the moov wherever it sits (front, or after a large mdat), and prove the chain of
// boxes ends exactly at the end of the file: a box that runs past it means an upload was cut.
import { corrupt, unsupported } from './errors';
import { normaliseRotation, setDuration, setPicture, type Measured } from './measured';
import type { SparseFile } from './sparse-file';

interface Box {
  readonly type: string;
  readonly start: number;
  /** First byte of the payload. */
  readonly body: number;
  readonly end: number;
}

interface Track {
  readonly id: number;
  handler?: string;
  timescale?: number;
  mediaDuration?: number;
  /** In the movie timescale. */
  headerDuration?: number;
  rotation: number;
  sampleEntry?: string;
  codedWidth?: number;
  codedHeight?: number;
  defaultSampleDuration?: number;
}

interface Movie {
  timescale: number;
  duration: number;
  fragmentDuration?: number;
  fragmented: boolean;
  readonly tracks: Track[];
}

/** Bounds on loops that a hostile file controls. */
const MAX_TOP_LEVEL_BOXES = 4096;
const MAX_CHILD_BOXES = 1024;
const MAX_TRUN_SAMPLES = 1_000_000;

/** Top-level boxes that may follow the moov in a fragmented file; the tail resync trusts only these. */
const FRAGMENT_LEVEL_TYPES = new Set([
  'moof',
  'mdat',
  'mfra',
  'free',
  'skip',
  'styp',
  'sidx',
  'ssix',
  'emsg',
  'prft',
  'uuid',
  'udta',
  'meta',
]);

const CODEC_NAMES: Readonly<Record<string, string>> = {
  avc1: 'h264',
  avc3: 'h264',
  hvc1: 'hevc',
  hev1: 'hevc',
  vp08: 'vp8',
  vp09: 'vp9',
  av01: 'av1',
  mp4v: 'mpeg4',
};

const isBoxType = (type: string): boolean => /^[\x20-\x7e\xa9]{4}$/.test(type);

function boxAt(file: SparseFile, pos: number, limit: number): Box {
  if (limit - pos < 8) throw corrupt(`${limit - pos} stray bytes at offset ${pos} where a box should start`);
  const size32 = file.u32(pos);
  const type = file.ascii(pos + 4, 4);
  if (!isBoxType(type)) throw corrupt(`no valid box at offset ${pos}`);
  let header = 8;
  let size = size32;
  if (size32 === 1) {
    if (limit - pos < 16) throw corrupt(`${type} box at offset ${pos} is cut inside its header`);
    size = file.u64(pos + 8);
    header = 16;
  } else if (size32 === 0) {
    size = limit - pos; // "to the end of the enclosing space"
  }
  if (size < header) throw corrupt(`${type} box at offset ${pos} declares an impossible size ${size}`);
  return { type, start: pos, body: pos + header, end: pos + size };
}

/** Visits the children of a box (from `first`), refusing any child that spills out of its parent. */
function eachChild(file: SparseFile, parent: Box, first: number, visit: (child: Box) => void): void {
  let pos = first;
  for (let count = 0; pos < parent.end; count += 1) {
    if (count >= MAX_CHILD_BOXES) throw unsupported(`${parent.type} box holds more than ${MAX_CHILD_BOXES} boxes`);
    const child = boxAt(file, pos, parent.end);
    if (child.end > parent.end) throw corrupt(`${child.type} box at offset ${pos} runs past its ${parent.type} box`);
    visit(child);
    pos = child.end;
  }
}

function requireBody(box: Box, length: number): void {
  if (box.end - box.body < length)
    throw corrupt(`${box.type} box at offset ${box.start} is too short (${box.end - box.body} bytes)`);
}

function parseMvhd(file: SparseFile, box: Box): Pick<Movie, 'timescale' | 'duration'> {
  const v1 = file.u8(box.body) === 1;
  requireBody(box, v1 ? 32 : 20);
  return v1
    ? { timescale: file.u32(box.body + 20), duration: file.u64(box.body + 24) }
    : { timescale: file.u32(box.body + 12), duration: durationOrZero(file.u32(box.body + 16)) };
}

/** A 32-bit duration of all ones means "unknown" in QuickTime and ISO-BMFF alike. */
const durationOrZero = (value: number): number => (value === 0xffffffff ? 0 : value);

function parseTkhd(file: SparseFile, box: Box): Pick<Track, 'id' | 'headerDuration' | 'rotation'> {
  const v1 = file.u8(box.body) === 1;
  requireBody(box, v1 ? 96 : 84);
  const id = file.u32(box.body + (v1 ? 20 : 12));
  const headerDuration = v1 ? file.u64(box.body + 28) : durationOrZero(file.u32(box.body + 20));
  const matrix = box.body + (v1 ? 52 : 40);
  // Matrix {a b u / c d v / x y w}; a display rotation of θ clockwise is a=cos θ, c=sin θ.
  const a = file.i32(matrix);
  const c = file.i32(matrix + 12);
  const rotation = a === 0 && c === 0 ? 0 : normaliseRotation((Math.atan2(c, a) * 180) / Math.PI);
  return { id, headerDuration, rotation };
}

function parseMdhd(file: SparseFile, box: Box): { timescale: number; mediaDuration: number } {
  const v1 = file.u8(box.body) === 1;
  requireBody(box, v1 ? 32 : 20);
  return v1
    ? { timescale: file.u32(box.body + 20), mediaDuration: file.u64(box.body + 24) }
    : { timescale: file.u32(box.body + 12), mediaDuration: durationOrZero(file.u32(box.body + 16)) };
}

/** The first sample entry names the codec; visual entries carry the coded size at fixed offsets. */
function parseStsd(file: SparseFile, box: Box, track: Track): void {
  requireBody(box, 16);
  const entry = box.body + 8;
  const entrySize = file.u32(entry);
  track.sampleEntry = file.ascii(entry + 4, 4);
  if (entrySize >= 36 && entry + 36 <= box.end) {
    track.codedWidth = file.u16(entry + 32);
    track.codedHeight = file.u16(entry + 34);
  }
}

function parseTrak(file: SparseFile, trak: Box): Track {
  const track: Track = { id: 0, rotation: 0 };
  eachChild(file, trak, trak.body, (child) => {
    if (child.type === 'tkhd') Object.assign(track, parseTkhd(file, child));
    if (child.type === 'mdia') parseMdia(file, child, track);
  });
  return track;
}

function parseMdia(file: SparseFile, mdia: Box, track: Track): void {
  eachChild(file, mdia, mdia.body, (child) => {
    if (child.type === 'mdhd') Object.assign(track, parseMdhd(file, child));
    if (child.type === 'hdlr') {
      requireBody(child, 12);
      track.handler = file.ascii(child.body + 8, 4);
    }
    if (child.type === 'minf') {
      eachChild(file, child, child.body, (minfChild) => {
        if (minfChild.type !== 'stbl') return;
        eachChild(file, minfChild, minfChild.body, (stblChild) => {
          if (stblChild.type === 'stsd') parseStsd(file, stblChild, track);
        });
      });
    }
  });
}

function parseMvex(file: SparseFile, mvex: Box, movie: Movie): void {
  movie.fragmented = true;
  eachChild(file, mvex, mvex.body, (child) => {
    if (child.type === 'mehd') {
      const v1 = file.u8(child.body) === 1;
      requireBody(child, v1 ? 12 : 8);
      movie.fragmentDuration = v1 ? file.u64(child.body + 4) : file.u32(child.body + 4);
    }
    if (child.type === 'trex') {
      requireBody(child, 20);
      const track = movie.tracks.find((t) => t.id === file.u32(child.body + 4));
      if (track) track.defaultSampleDuration = file.u32(child.body + 12);
    }
  });
}

function parseMoov(file: SparseFile, moov: Box): Movie {
  const movie: Movie = { timescale: 0, duration: 0, fragmented: false, tracks: [] };
  const mvexes: Box[] = [];
  eachChild(file, moov, moov.body, (child) => {
    if (child.type === 'mvhd') Object.assign(movie, parseMvhd(file, child));
    if (child.type === 'trak') movie.tracks.push(parseTrak(file, child));
    if (child.type === 'mvex') mvexes.push(child);
  });
  // trex refers to tracks, which may come after mvex in the moov.
  for (const mvex of mvexes) parseMvex(file, mvex, movie);
  if (!(movie.timescale > 0)) throw corrupt('mvhd box is missing or has a zero timescale');
  return movie;
}

/** End time (seconds) of the samples in one movie fragment, from tfdt + the sum of sample durations. */
function fragmentEnd(file: SparseFile, moof: Box, movie: Movie): number | undefined {
  let latest: number | undefined;
  eachChild(file, moof, moof.body, (traf) => {
    if (traf.type !== 'traf') return;
    const end = trackFragmentEnd(file, traf, movie);
    if (end !== undefined) latest = Math.max(latest ?? 0, end);
  });
  return latest;
}

function trackFragmentEnd(file: SparseFile, traf: Box, movie: Movie): number | undefined {
  let track: Track | undefined;
  let defaultDuration: number | undefined;
  let baseTime: number | undefined;
  let total = 0;
  eachChild(file, traf, traf.body, (child) => {
    if (child.type === 'tfhd') {
      requireBody(child, 8);
      const flags = file.u32(child.body) & 0xffffff;
      track = movie.tracks.find((t) => t.id === file.u32(child.body + 4));
      const durationAt = child.body + 8 + (flags & 0x1 ? 8 : 0) + (flags & 0x2 ? 4 : 0);
      defaultDuration = flags & 0x8 && durationAt + 4 <= child.end ? file.u32(durationAt) : track?.defaultSampleDuration;
    }
    if (child.type === 'tfdt') {
      const v1 = file.u8(child.body) === 1;
      requireBody(child, v1 ? 12 : 8);
      baseTime = v1 ? file.u64(child.body + 4) : file.u32(child.body + 4);
    }
    if (child.type === 'trun') total += trunDuration(file, child, defaultDuration ?? 0);
  });
  const timescale = track?.timescale;
  if (baseTime === undefined || !timescale) return undefined;
  return (baseTime + total) / timescale;
}

function trunDuration(file: SparseFile, trun: Box, defaultDuration: number): number {
  requireBody(trun, 8);
  const flags = file.u32(trun.body) & 0xffffff;
  const count = file.u32(trun.body + 4);
  if (count > MAX_TRUN_SAMPLES) throw unsupported(`trun box declares ${count} samples`);
  if (!(flags & 0x100)) return count * defaultDuration;
  const fieldsPerSample = [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length;
  const first = trun.body + 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
  if (first + count * fieldsPerSample * 4 > trun.end)
    throw corrupt(`trun box at offset ${trun.start} is shorter than its samples`);
  let sum = 0;
  for (let i = 0; i < count; i += 1) sum += file.u32(first + i * fieldsPerSample * 4);
  return sum;
}

interface TopLevel {
  movie?: Movie;
  fragmentEnds: number[];
  /** Part of the middle was not walked (fragmented file, resynchronised in the tail). */
  resynced: boolean;
  /** The tail held no box chain to resynchronise on (a last fragment larger than the tail). */
  endUnverified: boolean;
}

function walkTopLevel(file: SparseFile): TopLevel {
  const top: TopLevel = { fragmentEnds: [], resynced: false, endUnverified: false };
  let pos = 0;
  for (let count = 0; pos < file.size; count += 1) {
    if (count >= MAX_TOP_LEVEL_BOXES) throw unsupported(`more than ${MAX_TOP_LEVEL_BOXES} top-level boxes`);
    // Many fragments cannot be walked one read each: after the moov, jump to the tail and resync.
    if (top.movie?.fragmented && !file.has(pos, 16) && !file.isInTailZone(pos)) {
      top.resynced = true;
      resyncInTail(file, top);
      return top;
    }
    const box = boxAt(file, pos, file.size);
    if (box.end > file.size) {
      throw corrupt(`${box.type} box at offset ${pos} runs ${box.end - file.size} bytes past the end of the file (truncated)`);
    }
    visitTopLevel(file, box, top);
    pos = box.end;
  }
  return top;
}

function visitTopLevel(file: SparseFile, box: Box, top: TopLevel): void {
  if (box.type === 'moov') {
    if (top.movie) throw corrupt('the file holds two moov boxes');
    top.movie = parseMoov(file, box);
  }
  if (box.type === 'moof' && top.movie) {
    const end = fragmentEnd(file, box, top.movie);
    if (end !== undefined) top.fragmentEnds.push(end);
  }
}

/**
 * Finds, in the last bytes of the file, the earliest offset from which a chain of fragment-level
 * boxes ends exactly at the end of the file, and walks that chain. With no such chain the tail
 * lies inside one large last fragment: we cannot tell that from a cut file, and a browser
 * recording is far likelier, so it is noted rather than refused.
 */
function resyncInTail(file: SparseFile, top: TopLevel): void {
  const start = Math.max(0, file.size - file.tailZone);
  const region = file.bytes(start, file.size - start);
  const chainStart = earliestChainToEnd(region);
  if (chainStart === undefined) {
    top.endUnverified = true;
    return;
  }
  for (let pos = start + chainStart, count = 0; pos < file.size && count < MAX_TOP_LEVEL_BOXES; count += 1) {
    const box = boxAt(file, pos, file.size);
    visitTopLevel(file, box, top);
    pos = box.end;
  }
}

/** Dynamic programming from the end: reaches[i] says a valid box chain from i ends exactly at the end. */
function earliestChainToEnd(region: Uint8Array): number | undefined {
  const view = new DataView(region.buffer, region.byteOffset, region.byteLength);
  const reaches = new Uint8Array(region.length + 1);
  reaches[region.length] = 1;
  let earliest: number | undefined;
  for (let i = region.length - 8; i >= 0; i -= 1) {
    const type = String.fromCharCode(region[i + 4] ?? 0, region[i + 5] ?? 0, region[i + 6] ?? 0, region[i + 7] ?? 0);
    if (!FRAGMENT_LEVEL_TYPES.has(type)) continue;
    const size = view.getUint32(i);
    const end = size === 0 ? region.length : i + size;
    if (size !== 0 && size < 8) continue;
    if (end <= region.length && reaches[end] === 1) {
      reaches[i] = 1;
      earliest = i;
    }
  }
  return earliest;
}

function videoTrackOf(movie: Movie): Track {
  const video = movie.tracks.find((t) => t.handler === 'vide');
  if (!video) throw unsupported(`no video track (tracks: ${movie.tracks.map((t) => t.handler ?? '?').join(', ') || 'none'})`);
  return video;
}

function measureDuration(out: Measured, top: TopLevel, movie: Movie): void {
  if (movie.duration > 0) return setDuration(out, movie.duration / movie.timescale);
  if (movie.fragmentDuration) return setDuration(out, movie.fragmentDuration / movie.timescale);
  if (top.fragmentEnds.length > 0) {
    setDuration(out, Math.max(...top.fragmentEnds), top.resynced);
    if (top.resynced)
      out.notes.push(`duration is a lower bound (${out.durationSeconds ?? 0} s): fragments in the middle were not read`);
    return;
  }
  const trackDurations = movie.tracks.map((t) => (t.headerDuration ?? 0) / movie.timescale);
  const longest = Math.max(0, ...trackDurations);
  if (longest > 0) return setDuration(out, longest);
  if (movie.fragmented) out.notes.push('fragmented file declares no duration and no fragment could be timed');
  else setDuration(out, 0);
}

export function parseIsoBmff(file: SparseFile, out: Measured): void {
  const top = walkTopLevel(file);
  const movie = top.movie;
  if (!movie) throw corrupt('no moov box: the file holds no playable movie');
  if (top.endUnverified) out.notes.push('fragmented file: its end could not be verified within the read budget');
  const video = videoTrackOf(movie);
  const entry = video.sampleEntry ?? 'unknown';
  out.codec = CODEC_NAMES[entry] ?? entry.trim();
  if (video.codedWidth === undefined || video.codedHeight === undefined)
    throw corrupt('the video track has no visual sample entry');
  setPicture(out, video.codedWidth, video.codedHeight, video.rotation);
  measureDuration(out, top, movie);
}

// Which format the bytes are, and whether that agrees with what the client declared.
// Magic bytes always win: the declared Content-Type and the file name are the client's word only.
import type { MediaFormat } from './profiles';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];
/** Old QuickTime files may start with one of these instead of ftyp. */
const QUICKTIME_FIRST_BOXES = new Set(['moov', 'mdat', 'wide', 'free', 'skip']);

const startsWith = (head: Uint8Array, magic: readonly number[], at = 0): boolean =>
  head.length >= at + magic.length && magic.every((byte, i) => head[at + i] === byte);

const ascii = (head: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...head.subarray(from, Math.min(to, head.length)));

export function detectFormat(head: Uint8Array): MediaFormat | undefined {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, PNG_SIGNATURE)) return 'png';
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') return ascii(head, 8, 12) === 'qt  ' ? 'mov' : 'mp4';
  if (head.length >= 8 && QUICKTIME_FIRST_BOXES.has(ascii(head, 4, 8)) && firstBoxSizeIsPlausible(head)) return 'mov';
  if (startsWith(head, EBML_MAGIC)) return matroskaDocType(head) === 'webm' ? 'webm' : 'mkv';
  return undefined;
}

function firstBoxSizeIsPlausible(head: Uint8Array): boolean {
  const size = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
  return size === 0 || size === 1 || size >= 8;
}

/** The DocType string inside the EBML header, found by its ID (0x4282) within the first bytes. */
function matroskaDocType(head: Uint8Array): string | undefined {
  const limit = Math.min(head.length - 3, 64);
  for (let i = 4; i < limit; i += 1) {
    if (head[i] === 0x42 && head[i + 1] === 0x82) {
      const sizeByte = head[i + 2] ?? 0;
      if (sizeByte & 0x80) return ascii(head, i + 3, i + 3 + (sizeByte & 0x7f)).replace(/\0+$/, '');
    }
  }
  return undefined;
}

/**
 * What a declared Content-Type allows. A broader type admits its subsets: WebM is Matroska, and
 * browsers label a .mov by extension whatever brand it carries.
 */
const DECLARED: Readonly<Record<string, readonly MediaFormat[]>> = {
  'video/mp4': ['mp4'],
  'video/quicktime': ['mov', 'mp4'],
  'video/x-matroska': ['mkv', 'webm'],
  'video/webm': ['webm'],
  'image/jpeg': ['jpeg'],
  'image/jpg': ['jpeg'],
  'image/pjpeg': ['jpeg'],
  'image/png': ['png'],
};

/** Browsers send these when they do not know the type; they declare nothing. */
const UNDECLARED = new Set(['', 'application/octet-stream', 'binary/octet-stream']);

export type DeclaredTypeCheck = { readonly ok: true } | { readonly ok: false; readonly declared: string };

export function checkDeclaredType(contentType: string | undefined, format: MediaFormat): DeclaredTypeCheck {
  if (contentType === undefined) return { ok: true };
  const declared = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (UNDECLARED.has(declared)) return { ok: true };
  return DECLARED[declared]?.includes(format) ? { ok: true } : { ok: false, declared };
}

// EBML (Matroska/WebM) element headers: a variable-length ID, then a variable-length size.
import { corrupt } from './errors';
import type { SparseFile } from './sparse-file';

export const ID = {
  EBML: 0x1a45dfa3,
  DocType: 0x4282,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  BlockDuration: 0x9b,
  Void: 0xec,
  Crc32: 0xbf,
  Cues: 0x1c53bb6b,
  Tags: 0x1254c367,
  Chapters: 0x1043a770,
  Attachments: 0x1941a469,
} as const;

export interface ElementHeader {
  readonly id: number;
  readonly start: number;
  readonly dataStart: number;
  /** undefined: "unknown size", allowed for Segment and Cluster (live and browser recordings). */
  readonly size: number | undefined;
}

export interface Vint {
  readonly value: number;
  readonly length: number;
  readonly allOnes: boolean;
}

/**
 * Reads a variable-length integer from `bytes` at `at`. `keepMarker` keeps the length bits, as
 * element IDs are written. Returns undefined for an invalid first byte or a cut-off number.
 */
export function vintAt(bytes: Uint8Array, at: number, maxLength: number, keepMarker: boolean): Vint | undefined {
  const first = bytes[at];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (length > maxLength || at + length > bytes.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i += 1) {
    const byte = bytes[at + i] ?? 0;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value, length, allOnes };
}

/** Parses an element header held entirely in `bytes`; undefined when the bytes are not a header. */
export function headerIn(bytes: Uint8Array, at: number, base: number): ElementHeader | undefined {
  const id = vintAt(bytes, at, 4, true);
  if (!id) return undefined;
  const size = vintAt(bytes, at + id.length, 8, false);
  if (!size) return undefined;
  return {
    id: id.value,
    start: base + at,
    dataStart: base + at + id.length + size.length,
    size: size.allOnes ? undefined : size.value,
  };
}

/** Element header at `pos` of the file, fetched as needed. */
export function headerAt(file: SparseFile, pos: number): ElementHeader {
  const available = Math.min(12, file.size - pos);
  if (available < 2) throw corrupt(`the file ends at offset ${pos}, inside an element header`);
  const header = headerIn(file.bytes(pos, available), 0, pos);
  if (!header) throw corrupt(`no valid element header at offset ${pos}`);
  return header;
}

export function readUint(file: SparseFile, header: ElementHeader): number {
  const size = header.size ?? 0;
  if (size > 8) throw corrupt(`integer element 0x${header.id.toString(16)} is ${size} bytes long`);
  let value = 0;
  for (const byte of file.bytes(header.dataStart, size)) value = value * 256 + byte;
  return value;
}

export function readFloat(file: SparseFile, header: ElementHeader): number {
  const size = header.size ?? 0;
  if (size !== 4 && size !== 8) throw corrupt(`float element 0x${header.id.toString(16)} is ${size} bytes long`);
  const bytes = file.bytes(header.dataStart, size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  return size === 4 ? view.getFloat32(0) : view.getFloat64(0);
}

export function readString(file: SparseFile, header: ElementHeader): string {
  const size = Math.min(header.size ?? 0, 256);
  return String.fromCharCode(...file.bytes(header.dataStart, size)).replace(/\0+$/, '');
}

// JPEG: size from the first SOFn frame header, orientation from APP1 Exif; no decoding. Only a
// full decode proves the entropy-coded data whole, but an upload cut short loses its EOI marker.
import { corrupt } from './errors';
import { NO_ORIENTATION, orientationFromTiff, type Orientation } from './exif';
import { setPicture, type Measured } from './measured';
import type { SparseFile } from './sparse-file';

const MAX_SEGMENTS = 1024;
export const JPEG_TAIL_BYTES = 4 * 1024;
const APP1 = 0xe1;
const SOS = 0xda;
const EOI = 0xd9;

/** Frame headers (baseline, progressive, lossless, arithmetic); C4, C8 and CC share the range but are not frames. */
const isStartOfFrame = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
/** Markers that stand alone, without a length field. */
const isStandalone = (marker: number): boolean => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

function exifOrientation(file: SparseFile, body: number, end: number): Orientation {
  if (end - body < 14 || file.ascii(body, 6) !== 'Exif\0\0') return NO_ORIENTATION;
  return orientationFromTiff(file, body + 6, end);
}

function checkEndOfImage(file: SparseFile): void {
  const length = Math.min(file.size, JPEG_TAIL_BYTES);
  const tail = file.bytes(file.size - length, length);
  for (let i = tail.length - 2; i >= 0; i -= 1) {
    if (tail[i] === 0xff && tail[i + 1] === EOI) return;
  }
  throw corrupt(`no end-of-image marker in the last ${length} bytes (truncated)`);
}

export function parseJpeg(file: SparseFile, out: Measured): void {
  let orientation = NO_ORIENTATION;
  let pos = 2;
  for (let count = 0; ; count += 1) {
    if (count >= MAX_SEGMENTS) throw corrupt(`no frame header within the first ${MAX_SEGMENTS} segments`);
    if (file.u8(pos) !== 0xff) throw corrupt(`expected a marker at offset ${pos}`);
    const marker = file.u8(pos + 1);
    pos += 2;
    if (marker === 0xff) {
      pos -= 1; // fill byte: the marker starts one byte later
      continue;
    }
    if (isStandalone(marker)) continue;
    if (marker === EOI || marker === SOS) throw corrupt(`image data starts at offset ${pos - 2} before any frame header`);
    const length = file.u16(pos);
    const end = pos + length;
    if (length < 2) throw corrupt(`segment at offset ${pos - 2} declares length ${length}`);
    if (end > file.size) throw corrupt(`segment at offset ${pos - 2} runs past the end of the file (truncated)`);
    if (marker === APP1 && orientation === NO_ORIENTATION) orientation = exifOrientation(file, pos + 2, end);
    if (isStartOfFrame(marker)) {
      if (length < 8) throw corrupt(`frame header at offset ${pos - 2} is too short`);
      if (orientation.mirrored) out.notes.push('EXIF orientation mirrors the picture');
      setPicture(out, file.u16(pos + 5), file.u16(pos + 3), orientation.rotation);
      break;
    }
    pos = end;
  }
  checkEndOfImage(file);
}

// PNG: size from IHDR (CRC-checked), orientation from an eXIf chunk when one precedes the image
// data in the bytes already read, truncation from the IEND chunk that must close the file.
import { corrupt } from './errors';
import { NO_ORIENTATION, orientationFromTiff, type Orientation } from './exif';
import { setPicture, type Measured } from './measured';
import type { SparseFile } from './sparse-file';

const IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
const MAX_CHUNKS = 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Looks for eXIf among the chunks before IDAT, without spending a read on it. */
function pngOrientation(file: SparseFile): Orientation {
  let pos = 33;
  for (let count = 0; count < MAX_CHUNKS && file.has(pos, 8); count += 1) {
    const length = file.u32(pos);
    const type = file.ascii(pos + 4, 4);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'eXIf') return file.has(pos + 8, length) ? orientationFromTiff(file, pos + 8, pos + 8 + length) : NO_ORIENTATION;
    pos += 12 + length;
  }
  return NO_ORIENTATION;
}

export function parsePng(file: SparseFile, out: Measured): void {
  if (file.size < 33 + IEND.length) throw corrupt(`${file.size} bytes cannot hold a PNG header and end`);
  if (file.u32(8) !== 13 || file.ascii(12, 4) !== 'IHDR') throw corrupt('the first chunk is not a 13-byte IHDR');
  const orientation = pngOrientation(file);
  // The size is judged before the CRC so that a forged bomb is named as such.
  setPicture(out, file.u32(16), file.u32(20), orientation.rotation);
  if (crc32(file.bytes(12, 17)) !== file.u32(29)) throw corrupt('IHDR chunk fails its CRC check');
  const tail = file.bytes(file.size - IEND.length, IEND.length);
  if (!IEND.every((byte, i) => tail[i] === byte)) throw corrupt('the file does not end with an IEND chunk (truncated)');
}

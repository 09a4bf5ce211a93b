// Hand-built media headers for hostile-input tests: small, valid-looking files that claim what we choose.
import { crc32 } from '../../../../src/media/png';

export const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
export const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
export const u16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];

/** A PNG whose IHDR (with a correct CRC) claims width x height, followed by filler and IEND. */
export function pngWithHeader(width: number, height: number): Uint8Array {
  const ihdrData = new Uint8Array([...ascii('IHDR'), ...u32(width), ...u32(height), 8, 2, 0, 0, 0]);
  const iend = [0, 0, 0, 0, ...ascii('IEND'), 0xae, 0x42, 0x60, 0x82];
  return new Uint8Array([
    0x89,
    ...ascii('PNG\r\n\x1a\n'),
    ...u32(13),
    ...ihdrData,
    ...u32(crc32(ihdrData)),
    ...new Array<number>(64).fill(0),
    ...iend,
  ]);
}

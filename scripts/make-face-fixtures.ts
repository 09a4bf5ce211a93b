// Builds the face pre-check fixtures from the astronaut photographs already in
// test/fixtures/media, with the same pure-JS codecs the pre-check decodes with (jpeg-js, pngjs).
// `npx tsx scripts/make-face-fixtures.ts` rewrites them; the outputs are committed, and
// test/fixtures/media/README.md says what each one is.
import { readFileSync, writeFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { shrinkToCanvas } from '../src/media/face/decode';

const DIR = new URL('../test/fixtures/media/', import.meta.url);
const QUALITY = 90;

interface Picture {
  readonly width: number;
  readonly height: number;
  /** RGBA */
  readonly data: Uint8Array;
}

const load = (name: string): Picture => jpeg.decode(readFileSync(new URL(name, DIR)), { useTArray: true });

function blank(width: number, height: number, grey: number): Picture {
  const data = new Uint8Array(width * height * 4).fill(grey);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
}

/** Resized (area average) and turned clockwise by `rotation`, through the pre-check's own shrink. */
function transform(picture: Picture, rotation: number, longSide: number): Picture {
  const canvas = shrinkToCanvas(picture, rotation, longSide);
  const { contentWidth: width, contentHeight: height } = canvas;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const from = (y * canvas.side + x) * 3;
      const to = (y * width + x) * 4;
      data[to] = canvas.rgb[from] ?? 0;
      data[to + 1] = canvas.rgb[from + 1] ?? 0;
      data[to + 2] = canvas.rgb[from + 2] ?? 0;
      data[to + 3] = 255;
    }
  }
  return { width, height, data };
}

function crop(picture: Picture, left: number, top: number, width: number, height: number): Picture {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    const from = ((top + y) * picture.width + left) * 4;
    data.set(picture.data.subarray(from, from + width * 4), y * width * 4);
  }
  return { width, height, data };
}

function paste(target: Picture, picture: Picture, left: number, top: number): void {
  for (let y = 0; y < picture.height; y += 1) {
    const row = picture.data.subarray(y * picture.width * 4, (y + 1) * picture.width * 4);
    target.data.set(row, ((top + y) * target.width + left) * 4);
  }
}

/** An APP1 Exif segment whose IFD0 holds only the orientation tag (0x0112). */
function exifOrientationSegment(orientation: number): Uint8Array {
  const tiff = [
    ...[0x49, 0x49, 42, 0, 8, 0, 0, 0], // little-endian TIFF header, IFD0 at offset 8
    ...[1, 0], // one entry
    ...[0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0], // orientation, SHORT, count 1
    ...[0, 0, 0, 0], // no next IFD
  ];
  const body = [...Buffer.from('Exif\0\0', 'latin1'), ...tiff];
  const length = body.length + 2;
  return Uint8Array.from([0xff, 0xe1, length >> 8, length & 0xff, ...body]);
}

function writeJpeg(name: string, picture: Picture, orientation?: number): void {
  let bytes = new Uint8Array(jpeg.encode(picture, QUALITY).data);
  if (orientation !== undefined) {
    // Right after SOI, as cameras write it.
    bytes = Uint8Array.from([...bytes.subarray(0, 2), ...exifOrientationSegment(orientation), ...bytes.subarray(2)]);
  }
  writeFileSync(new URL(name, DIR), bytes);
  console.log(`${name}: ${picture.width}x${picture.height}, ${bytes.length} bytes`);
}

const portrait = load('id_astronaut_1024.jpg');
const landscape = load('id_exif_orient6.jpg'); // upright pixels, 1024x768

// Two people side by side: the portrait twice, each 800x800, on a 1600x800 picture.
const twoFaces = blank(1600, 800, 128);
const half = transform(portrait, 0, 800);
paste(twoFaces, half, 0, 0);
paste(twoFaces, half, 800, 0);
writeJpeg('face_two_portraits.jpg', twoFaces);

// The top-right corner of the portrait: flag-free studio backdrop and the shuttle model, no face.
writeJpeg('face_none_backdrop.jpg', transform(crop(portrait, 640, 0, 384, 640), 0, 960));

// A face far from the camera: the portrait at 360x360 on a 1600x1200 grey wall; the face box is
// about 100 px, 8 % of the short side.
const far = blank(1600, 1200, 150);
paste(far, transform(portrait, 0, 360), 620, 300);
writeJpeg('face_tiny_on_canvas.jpg', far);

// A phone photo: pixels stored turned a quarter anticlockwise, EXIF orientation 6 turns them
// upright for display (1024x768 displayed, 768x1024 stored).
writeJpeg('face_exif_orient6_upright.jpg', transform(landscape, 270, 1024), 6);

// Vitest global setup: unpacks the test browser and makes the fake camera's clip once before any
// test file starts, so page tests running in parallel workers find them ready.
import { ensureChromium, faceCameraClip } from './browser';

export default async function setup(): Promise<void> {
  faceCameraClip();
  await ensureChromium();
}

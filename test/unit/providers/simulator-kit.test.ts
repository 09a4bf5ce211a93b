import { afterEach, describe, expect, it, vi } from 'vitest';
import { detectFormat } from '../../../src/media/inspect';
import {
  SimulatorError,
  ebmlSizeVint,
  findScenarioMarker,
  jsonReply,
  parseScenario,
  startSimulator,
  withScenarioMarker,
  type RunningSimulator,
  type SimulatorSpec,
} from '../../../src/providers/simulator-kit';
import { FACE_VIDEO, ID_PHOTO } from './fpt-test-media';

const ascii = (text: string) => new TextEncoder().encode(text);

function topLevelBoxes(bytes: Uint8Array): { type: string; size: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: { type: string; size: number }[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    const size = view.getUint32(offset);
    boxes.push({ type: new TextDecoder().decode(bytes.subarray(offset + 4, offset + 8)), size });
    if (size < 8) throw new Error(`bad box at ${offset}`);
    offset += size;
  }
  expect(offset).toBe(bytes.byteLength);
  return boxes;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, prefix.byteLength).equals(prefix);
}

describe('scenario markers', () => {
  it('parses a scenario name with options', () => {
    expect(parseScenario('spoof&format=flat&retry_after=2')).toEqual({
      name: 'spoof',
      options: { format: 'flat', retry_after: '2' },
    });
    expect(parseScenario('Spoof')).toBeUndefined();
    expect(parseScenario('spoof&format')).toBeUndefined();
  });

  it('embeds the marker in an mp4 as a trailing top-level free box, keeping the box structure whole', () => {
    const marked = withScenarioMarker(FACE_VIDEO, 'mp4', 'spoof&format=flat');
    const boxes = topLevelBoxes(marked);
    expect(boxes.slice(0, -1)).toEqual(topLevelBoxes(FACE_VIDEO));
    expect(boxes.at(-1)).toEqual({ type: 'free', size: 8 + 'sim-scenario=spoof&format=flat'.length });
    expect(startsWith(marked, FACE_VIDEO)).toBe(true);
    expect(detectFormat(marked.subarray(0, 64))).toBe('mp4');
    expect(findScenarioMarker([marked])).toBe('spoof&format=flat');
  });

  it('closes an open-ended (size 0) last box before appending to it', () => {
    const ftyp = Uint8Array.of(0, 0, 0, 16, ...ascii('ftypisom'), 0, 0, 2, 0);
    const openMdat = Uint8Array.of(0, 0, 0, 0, ...ascii('mdat'), 1, 2, 3, 4);
    const marked = withScenarioMarker(new Uint8Array([...ftyp, ...openMdat]), 'mov', 'still');
    expect(topLevelBoxes(marked).map((box) => `${box.type}:${box.size}`)).toEqual(['ftyp:16', 'mdat:12', 'free:26']);
  });

  it('embeds the marker in mkv/webm as an EBML Void element with a proper size', () => {
    const webm = Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3, 0x84, ...ascii('webm'));
    const marked = withScenarioMarker(webm, 'webm', 'no_face');
    const marker = ascii('sim-scenario=no_face');
    expect([...marked.subarray(webm.length, webm.length + 2)]).toEqual([0xec, 0x80 | marker.length]);
    expect(marked.byteLength).toBe(webm.length + 2 + marker.length);
    expect(findScenarioMarker([marked])).toBe('no_face');
  });

  it('encodes EBML sizes in the shortest vint, skipping the reserved all-ones value', () => {
    expect([...ebmlSizeVint(5)]).toEqual([0x85]);
    expect([...ebmlSizeVint(126)]).toEqual([0xfe]);
    expect([...ebmlSizeVint(127)]).toEqual([0x40, 0x7f]);
    expect([...ebmlSizeVint(200)]).toEqual([0x40, 0xc8]);
    expect([...ebmlSizeVint(16_383)]).toEqual([0x20, 0x3f, 0xff]);
  });

  it('appends the marker after the JPEG end marker and after the PNG IEND chunk', () => {
    const jpeg = withScenarioMarker(ID_PHOTO, 'jpeg', 'blurry');
    expect(startsWith(jpeg, ID_PHOTO)).toBe(true);
    expect([...ID_PHOTO.subarray(-2)]).toEqual([0xff, 0xd9]);
    expect(findScenarioMarker([jpeg])).toBe('blurry');
    const png = Uint8Array.of(0x89, ...ascii('PNG\r\n\x1a\n'), 0, 0, 0, 0, ...ascii('IEND'), 0xae, 0x42, 0x60, 0x82);
    expect(findScenarioMarker([withScenarioMarker(png, 'png', 'pass')])).toBe('pass');
  });

  it('refuses scenario text that could not be read back', () => {
    expect(() => withScenarioMarker(ID_PHOTO, 'jpeg', 'spoof now')).toThrow(SimulatorError);
  });

  it('takes the first part carrying a marker, and the last marker within it', () => {
    const twice = withScenarioMarker(withScenarioMarker(ID_PHOTO, 'jpeg', 'spoof'), 'jpeg', 'still');
    expect(findScenarioMarker([ID_PHOTO, twice, withScenarioMarker(ID_PHOTO, 'jpeg', 'pass')])).toBe('still');
    expect(findScenarioMarker([ID_PHOTO])).toBeUndefined();
  });
});

// A minimal provider: the raw body is the media; the answer names the scenario.
const ECHO: SimulatorSpec<null> = {
  name: 'echo',
  path: '/check',
  scenarios: ['pass', 'other'],
  decode: (req) =>
    req.headers['x-api-key'] === 'k'
      ? { media: [req.body], fields: [{ name: 'body', bytes: req.body.length }], data: null }
      : { reject: jsonReply(401, { error: 'no key' }) },
  answer: (scenario) => jsonReply(200, { scenario: scenario.name, options: scenario.options, source: scenario.source }),
};

describe('simulator server', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const post = (running: RunningSimulator, body: string, signal?: AbortSignal) =>
    fetch(`${running.origin}/check`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', authorization: 'Bearer t' },
      body,
      ...(signal ? { signal } : {}),
    });

  it('answers with the marker scenario, else the default one, which PUT /__sim/scenario changes', async () => {
    sim = await startSimulator(ECHO, { defaultScenario: 'other' });
    expect(await (await post(sim, 'plain')).json()).toEqual({ scenario: 'other', options: {}, source: 'default' });
    expect(await (await post(sim, 'xx sim-scenario=pass&k=v')).json()).toEqual({
      scenario: 'pass',
      options: { k: 'v' },
      source: 'marker',
    });
    const put = await fetch(`${sim.origin}/__sim/scenario`, { method: 'PUT', body: '{"scenario":"pass"}' });
    expect(put.status).toBe(200);
    expect(await (await post(sim, 'plain')).json()).toMatchObject({ scenario: 'pass' });
  });

  it('keeps a high-water mark of provider requests open at once', async () => {
    sim = await startSimulator(ECHO);
    const running = sim;
    const abort = new AbortController();
    const held = [1, 2, 3].map(() => post(running, 'sim-scenario=fault_timeout', abort.signal).catch(() => undefined));
    await vi.waitFor(() => expect(running.stats().inFlight).toBe(3));
    abort.abort();
    await Promise.all(held);
    await vi.waitFor(() => expect(running.stats().inFlight).toBe(0));
    await post(running, 'one');

    expect(running.stats()).toMatchObject({ calls: 4, maxInFlight: 3 });
  });

  it('counts provider calls but not control routes, and logs requests without secret header values', async () => {
    sim = await startSimulator(ECHO);
    await post(sim, 'one');
    await fetch(`${sim.origin}/__sim/stats`);
    await fetch(`${sim.origin}/check`, { method: 'POST', body: 'no key' });
    expect(await (await fetch(`${sim.origin}/__sim/stats`)).json()).toMatchObject({ calls: 2, defaultScenario: 'pass' });
    const [first, second] = sim.requests();
    expect(first).toMatchObject({
      method: 'POST',
      path: '/check',
      bodyBytes: 3,
      fields: [{ name: 'body', bytes: 3 }],
      outcome: 200,
    });
    expect(first?.headers).toMatchObject({ 'x-api-key': '[redacted]', authorization: '[redacted]' });
    expect(second?.outcome).toBe(401);
  });

  it('answers 400 to an unknown scenario in a marker and 404 to another path', async () => {
    sim = await startSimulator(ECHO);
    const res = await post(sim, 'sim-scenario=nope');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-sim-error')).toBe('unknown-scenario');
    expect((await fetch(`${sim.origin}/elsewhere`, { method: 'POST' })).status).toBe(404);
  });

  it('refuses an unknown default scenario at start', async () => {
    await expect(startSimulator(ECHO, { defaultScenario: 'nope' })).rejects.toThrow(SimulatorError);
  });

  it('answers 413 to a body over the cap', async () => {
    sim = await startSimulator(ECHO, { maxBodyBytes: 1024 });
    expect((await post(sim, 'x'.repeat(4096))).status).toBe(413);
  });

  it('alternates 429 and the pass answer per media for fault_429_then_ok', async () => {
    sim = await startSimulator(ECHO);
    const a = 'A sim-scenario=fault_429_then_ok';
    const b = 'B sim-scenario=fault_429_then_ok';
    const first = await post(sim, a);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await post(sim, b)).status).toBe(429);
    expect(await (await post(sim, a)).json()).toMatchObject({ scenario: 'pass' });
    expect((await post(sim, a)).status).toBe(429);
  });

  it('cuts the pass answer in half for fault_malformed_json', async () => {
    sim = await startSimulator(ECHO);
    const res = await post(sim, 'sim-scenario=fault_malformed_json');
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('close() ends a held fault_timeout request and a trickling fault_slow_body at once', async () => {
    const running = await startSimulator(ECHO);
    // Settle both promises into values at once, so their rejection during close() is never unhandled.
    const settle = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => error,
      );
    const held = settle(post(running, 'sim-scenario=fault_timeout'));
    const slow = await post(running, 'sim-scenario=fault_slow_body&interval_ms=50');
    expect(slow.status).toBe(200);
    const slowBody = settle(slow.text());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await running.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await held).toBeInstanceOf(Error);
    expect(await slowBody).toBeInstanceOf(Error);
  });

  it('resets the connection for fault_reset', async () => {
    sim = await startSimulator(ECHO);
    await expect(post(sim, 'sim-scenario=fault_reset')).rejects.toThrow(/fetch failed/);
  });
});

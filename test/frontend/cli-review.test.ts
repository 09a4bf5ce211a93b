// The review commands of the CLI against the local stack: list the queue, print a media link that
// downloads, settle the check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main';
import { withScenarioMarker } from '../../src/providers/simulator-kit';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createCheck, fixture, uploadOk, waitForEnd } from '../support/api-client';

let stack: LocalStack;

function io(env: CliIo['env'] = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env,
    out: () => out,
    err: () => err,
  };
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0 });
});
afterAll(async () => {
  await stack?.stop();
});

describe('liveness reviews | media | review', () => {
  it('lists a REVIEW check, prints a link to its exact video, and settles it', async () => {
    const video = withScenarioMarker(fixture('face_moving.mp4'), 'mp4', 'review');
    const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
    const { video: videoForm, reference } = check.uploads;
    if (!videoForm || !reference) throw new Error('missing upload forms');
    await uploadOk(videoForm, video, 'video/mp4');
    await uploadOk(reference, fixture('id_astronaut_1024.jpg'), 'image/jpeg');
    await waitForEnd(stack.apiUrl, check.checkId);
    const api = ['--api', stack.apiUrl];

    const listed = io();
    expect(await main(['reviews', ...api], listed)).toBe(0);
    expect(listed.out()).toContain(`${check.checkId}  fpt`);

    const media = io();
    expect(await main(['media', check.checkId, 'video', ...api], media)).toBe(0);
    const download = await fetch(media.out().trim());
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(video))).toBe(true);

    const decided = io();
    expect(
      await main(['review', check.checkId, '--decision', 'FAIL', '--reviewer', 'alice', '--note', 'mask', ...api], decided),
    ).toBe(0);
    expect(decided.out()).toBe(`FAIL  check ${check.checkId}  reviewed by alice\n`);

    const again = io();
    expect(await main(['review', check.checkId, '--decision', 'PASS', '--reviewer', 'bob', ...api], again)).toBe(3);
    expect(again.err()).toMatch(/not awaiting review/);
  });

  it('talks to the API LIVENESS_API names when no --api is given, like the other commands', async () => {
    const listed = io({ LIVENESS_API: stack.apiUrl });
    expect(await main(['reviews', '--json'], listed)).toBe(0);
    expect(JSON.parse(listed.out())).toEqual({ items: expect.any(Array) });

    const wrong = io({ LIVENESS_API: 'ftp://example.com' });
    expect(await main(['reviews'], wrong)).toBe(2);
    expect(wrong.err()).toMatch(/LIVENESS_API must be http\(s\)/);
  });

  it('refuses a decision that is not PASS, FAIL or RETRY with exit 2', async () => {
    const bad = io();
    expect(await main(['review', '00000000-0000-4000-8000-000000000000', '--decision', 'MAYBE', '--reviewer', 'a'], bad)).toBe(2);
    expect(bad.err()).toMatch(/--decision/);
  });
});

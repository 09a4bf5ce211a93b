// What the on-device guide tells the user about one frame, and when it captures by itself.
import { describe, expect, it } from 'vitest';
import { framingRule, judgeFrame, STEADY_MS, SteadyTimer, type FrameFacts } from '../../web/app/face-guide';

const LANDSCAPE = 16 / 9;
const bright = 120;

/** A face box of `side` (fraction of the frame's short side) centred at (cx, cy) in a 16:9 frame. */
function face(side: number, cx = 0.5, cy = 0.5): FrameFacts['faces'][number] {
  const width = side / LANDSCAPE;
  const height = side;
  return { box: [cx - width / 2, cy - height / 2, width, height] };
}

describe('judgeFrame', () => {
  const fpt = framingRule('fpt');

  it('asks for more light before anything else, since a dark frame hides faces', () => {
    expect(judgeFrame({ meanLuma: 20, aspect: LANDSCAPE, faces: [face(0.5)] }, fpt)).toBe('moreLight');
  });

  it('says no face, then more than one face', () => {
    expect(judgeFrame({ meanLuma: bright, aspect: LANDSCAPE, faces: [] }, fpt)).toBe('noFace');
    expect(judgeFrame({ meanLuma: bright, aspect: LANDSCAPE, faces: [face(0.5, 0.3), face(0.4, 0.7)] }, fpt)).toBe('manyFaces');
  });

  it('asks to move closer below the provider’s face size (FPT 30 %, Verihubs 20 % of the short side)', () => {
    expect(judgeFrame({ meanLuma: bright, aspect: LANDSCAPE, faces: [face(0.25)] }, fpt)).toBe('moveCloser');
    expect(judgeFrame({ meanLuma: bright, aspect: LANDSCAPE, faces: [face(0.25)] }, framingRule('verihubs'))).toBe('hold');
  });

  it('judges the size against the short side in portrait too', () => {
    const portrait = 9 / 16;
    const side = 0.35;
    const box: FrameFacts['faces'][number] = { box: [0.5 - side / 2, 0.5 - (side * portrait) / 2, side, side * portrait] };
    expect(judgeFrame({ meanLuma: bright, aspect: portrait, faces: [box] }, fpt)).toBe('hold');
  });

  it('asks to centre a face far from the middle, and holds a centred one', () => {
    expect(judgeFrame({ meanLuma: bright, aspect: LANDSCAPE, faces: [face(0.4, 0.8)] }, fpt)).toBe('centre');
    expect(judgeFrame({ meanLuma: bright, aspect: LANDSCAPE, faces: [face(0.4, 0.5, 0.8)] }, fpt)).toBe('centre');
    expect(judgeFrame({ meanLuma: bright, aspect: LANDSCAPE, faces: [face(0.4, 0.6, 0.45)] }, fpt)).toBe('hold');
  });
});

describe('SteadyTimer', () => {
  it('fires only after the frame has been right for a full second, starting over on any other hint', () => {
    const timer = new SteadyTimer();
    expect(timer.update('hold', 0)).toBe(false);
    expect(timer.update('hold', STEADY_MS - 1)).toBe(false);
    expect(timer.update('centre', STEADY_MS + 10)).toBe(false);
    expect(timer.update('hold', STEADY_MS + 20)).toBe(false);
    expect(timer.update('hold', 2 * STEADY_MS + 20)).toBe(true);
  });
});

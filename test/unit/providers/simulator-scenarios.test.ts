// The three simulators as a newcomer meets them: shared scenario names where the meaning is the
// same (the provider's own older names still work), a listing at GET /__sim/scenarios, and an
// unknown name refused with the valid ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fptAdapter, fptSettingsSchema } from '../../../src/providers/fpt/adapter';
import {
  FPT_SCENARIOS,
  FPT_SHARED_NAMES,
  FPT_SIMULATOR_DEFAULT_KEY,
  startFptSimulator,
} from '../../../src/providers/fpt/simulator';
import type { ProviderHttpRequest } from '../../../src/providers/provider';
import { senseidAdapter, senseidSettingsSchema } from '../../../src/providers/senseid/adapter';
import {
  SENSEID_DEFAULT_AES_IV,
  SENSEID_DEFAULT_AES_KEY,
  SENSEID_SCENARIOS,
  SENSEID_SHARED_NAMES,
  startSenseIdSimulator,
} from '../../../src/providers/senseid/simulator';
import { FAULT_SCENARIOS, type EndpointSimulator } from '../../../src/providers/simulator-kit';
import { verihubsAdapter, verihubsSettingsSchema } from '../../../src/providers/verihubs/adapter';
import {
  startVerihubsSimulator,
  VERIHUBS_SCENARIOS,
  VERIHUBS_SHARED_NAMES,
  VERIHUBS_SIMULATOR_API_KEY,
  VERIHUBS_SIMULATOR_APP_ID,
} from '../../../src/providers/verihubs/simulator';
import { reference, selfie, video } from './fpt-test-media';
import { outcome, sendToSimulator } from './provider-test-kit';

interface Subject {
  readonly name: string;
  readonly sim: EndpointSimulator;
  readonly scenarios: readonly string[];
  readonly shared: Readonly<Record<string, string>>;
  /** One check through the real adapter, read as "DECISION REASONS". */
  check(): Promise<string>;
}

const subjects: Subject[] = [];

beforeAll(async () => {
  const [fpt, senseid, verihubs] = await Promise.all([startFptSimulator(), startSenseIdSimulator(), startVerihubsSimulator()]);
  const fptSettings = fptSettingsSchema.parse({});
  const senseidSettings = senseidSettingsSchema.parse({ checkQuality: true });
  const verihubsSettings = verihubsSettingsSchema.parse({ validateQuality: true, validateAttribute: true, validateNface: true });
  const read = async <S>(adapter: Parameters<typeof sendToSimulator<S>>[0], request: ProviderHttpRequest, settings: S) =>
    outcome((await sendToSimulator(adapter, request, settings)).verdict);
  subjects.push(
    {
      name: 'fpt',
      sim: fpt,
      scenarios: FPT_SCENARIOS,
      shared: FPT_SHARED_NAMES,
      check: () =>
        read(
          fptAdapter,
          fptAdapter.buildRequest([video(), reference()], { apiKey: FPT_SIMULATOR_DEFAULT_KEY, endpoint: fpt.url }, fptSettings),
          fptSettings,
        ),
    },
    {
      name: 'senseid',
      sim: senseid,
      scenarios: SENSEID_SCENARIOS,
      shared: SENSEID_SHARED_NAMES,
      check: () =>
        read(
          senseidAdapter,
          senseidAdapter.buildRequest(
            [video(), reference()],
            { endpoint: senseid.url, aesKey: SENSEID_DEFAULT_AES_KEY, aesIv: SENSEID_DEFAULT_AES_IV },
            senseidSettings,
          ),
          senseidSettings,
        ),
    },
    {
      name: 'verihubs',
      sim: verihubs,
      scenarios: VERIHUBS_SCENARIOS,
      shared: VERIHUBS_SHARED_NAMES,
      check: () =>
        read(
          verihubsAdapter,
          verihubsAdapter.buildRequest(
            [selfie()],
            { appId: VERIHUBS_SIMULATOR_APP_ID, apiKey: VERIHUBS_SIMULATOR_API_KEY, endpoint: verihubs.url },
            verihubsSettings,
          ),
          verihubsSettings,
        ),
    },
  );
});
afterAll(async () => {
  await Promise.all(subjects.map((subject) => subject.sim.close()));
});

const subject = (name: string): Subject => {
  const found = subjects.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no ${name} simulator`);
  return found;
};

async function useScenario(target: Subject, scenario: string): Promise<Response> {
  return fetch(`${target.sim.origin}/__sim/scenario`, { method: 'PUT', body: JSON.stringify({ scenario }) });
}

describe.each(['fpt', 'senseid', 'verihubs'])('%s simulator', (name) => {
  it('lists every scenario once with a one-line description, shared names first, and the faults', async () => {
    const target = subject(name);
    const listing = (await (await fetch(`${target.sim.origin}/__sim/scenarios`)).json()) as {
      provider: string;
      scenarios: { name: string; description: string; aliases?: string[] }[];
      faults: { name: string; description: string }[];
    };
    expect(listing.provider).toBe(name);
    expect(listing.scenarios).toHaveLength(target.scenarios.length);
    for (const entry of listing.scenarios) {
      expect(entry.description, entry.name).toMatch(/^[^\n]{8,}$/);
      const own = target.shared[entry.name] ?? entry.name;
      expect(target.scenarios).toContain(own);
      if (own !== entry.name) expect(entry.aliases).toContain(own);
    }
    expect(listing.faults.map((fault) => fault.name)).toEqual([...FAULT_SCENARIOS]);
    expect(listing.scenarios.map((entry) => entry.name)).toEqual(expect.arrayContaining(['pass', 'auth_failure']));
  });

  it('answers a shared name exactly as the provider’s own name for it', async () => {
    const target = subject(name);
    for (const [shared, own] of Object.entries(target.shared)) {
      expect((await useScenario(target, shared)).status).toBe(200);
      const viaShared = await target.check();
      expect((await useScenario(target, own)).status).toBe(200);
      expect(await target.check(), `${shared} = ${own}`).toBe(viaShared);
      expect(viaShared, shared).not.toBe('PASS');
    }
    await useScenario(target, 'pass');
  });

  it('refuses an unknown name with the valid ones', async () => {
    const target = subject(name);
    const put = await useScenario(target, 'no_such_thing');
    expect(put.status).toBe(400);
    const { error } = (await put.json()) as { error: string };
    expect(error).toContain('unknown');
    expect(error).toContain('"no_such_thing"');
    expect(error).toMatch(/valid: pass, .*fault_timeout/);
    expect(() => target.sim.setDefaultScenario('no_such_thing')).toThrow(/valid: pass/);
  });
});

it('shares the names a newcomer tries first across the simulators that have the case', () => {
  const names = (target: Subject) => new Set([...target.scenarios, ...Object.keys(target.shared)]);
  const [fpt, senseid, verihubs] = ['fpt', 'senseid', 'verihubs'].map((name) => names(subject(name)));
  for (const all of [fpt, senseid, verihubs])
    for (const name of ['pass', 'spoof', 'no_face', 'auth_failure', 'invalid_input']) expect(all).toContain(name);
  for (const name of ['multiple_faces']) for (const all of [fpt, verihubs]) expect(all).toContain(name);
  for (const name of ['mismatch', 'occluded']) for (const all of [fpt, senseid]) expect(all).toContain(name);
});

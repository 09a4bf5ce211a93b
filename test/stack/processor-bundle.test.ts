// The processor's Lambda bundle, built for real (esbuild and the afterBundling hook, no Docker):
// it carries the face detector's assets beside its code, so nothing is downloaded at run time.
// One function only; the other tests skip bundling.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckTables } from '../../lib/constructs/check-tables';
import { MediaStorage } from '../../lib/constructs/media-storage';
import { ProviderSecrets } from '../../lib/constructs/provider-secrets';
import { UploadProcessor } from '../../lib/constructs/upload-processor';
import { ASSET_FOLDER, HUMAN_SCRIPT } from '../../src/media/face/assets';
import { bundlingApp } from './synth-helpers';

const outdir = mkdtempSync(join(tmpdir(), 'processor-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('UploadProcessor bundle', () => {
  it(
    'ships the face detector (human wasm build, BlazeFace model, tfjs wasm binaries) beside the handler',
    { timeout: 240_000 },
    () => {
      // Prepare: a stack holding only the processor's parts; bundling on (the CDK default).
      const app = bundlingApp(outdir);
      const stack = new Stack(app, 'ProcessorBundle');
      const secrets = new ProviderSecrets(stack, 'Secrets', { providers: [{ id: 'fpt' }], defaultProvider: 'fpt' });
      const storage = new MediaStorage(stack, 'Storage', { corsOrigins: [] });
      const tables = new CheckTables(stack, 'Tables');
      new UploadProcessor(stack, 'Processor', {
        secrets,
        storage,
        tables,
        gatewayConfig: {
          checksTable: tables.checksTable.tableName,
          auditTable: tables.auditTable.tableName,
          mediaBucket: storage.bucket.bucketName,
          ...secrets.config,
        },
      });

      // Act
      app.synth();

      // Assess: the one code asset holds the handler and, beside it, the detector's files.
      const bundles = readdirSync(outdir)
        .map((name) => join(outdir, name))
        .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'index.mjs')));
      expect(bundles).toHaveLength(1);
      const assets = join(bundles[0] ?? '', ASSET_FOLDER);
      expect(readdirSync(assets).sort()).toEqual([HUMAN_SCRIPT, 'models', 'wasm']);
      expect(readdirSync(join(assets, 'models')).sort()).toEqual(['blazeface.bin', 'blazeface.json']);
      expect(readdirSync(join(assets, 'wasm')).filter((name) => name.endsWith('.wasm')).length).toBeGreaterThanOrEqual(3);
      expect(statSync(join(assets, HUMAN_SCRIPT)).size).toBeGreaterThan(500_000);
    },
  );
});

import { defineConfig } from 'vitest/config';

// Tests that assert a time bound (a check ends within its provider budget, a fuzz case parses in
// 200 ms). They run in a second pass (`npm run test:timed`, part of `npm test`) on their own, so the
// browser and face-detector tests of the first pass do not take the CPU from under their clocks.
const TIMED = [
  'test/integration/provider-faults.test.ts',
  'test/integration/failover.test.ts',
  'test/unit/providers/call-provider.test.ts',
  'test/unit/media/inspect-fuzz.test.ts',
];
const timedPass = process.env.VITEST_TIMED === '1';

export default defineConfig({
  test: {
    include: timedPass ? TIMED : ['test/**/*.test.ts'],
    exclude: timedPass ? [] : ['**/node_modules/**', ...TIMED],
    globalSetup: ['test/support/browser-setup.ts'],
    // Integration tests start real local servers; two cores, so two workers.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The suites upload the same fixtures many times; the replayed-media tests turn it on themselves.
      DUPLICATE_MEDIA_CHECK: 'off',
    },
  },
});

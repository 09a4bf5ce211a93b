#!/usr/bin/env node
// `npx liveness ...` (package.json "bin"): runs the TypeScript CLI through tsx, so no build step.
import { register } from 'tsx/esm/api';

// The project runs on Node 20 on purpose (see package.json engines); the SDK's notice about it
// would only add noise to a CLI's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));

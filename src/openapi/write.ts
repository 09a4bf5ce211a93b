// `npm run openapi`: writes openapi.json at the repository root (checked in; a test fails when stale).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApiDocument } from './document';

const target = fileURLToPath(new URL('../../openapi.json', import.meta.url));
writeFileSync(target, renderOpenApiDocument());
console.log(`wrote ${target}`);

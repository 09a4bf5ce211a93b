// Node entry of the client: everything the browser entry has, plus the node:http upload
// transport (real upload progress) and SigV4 signing for a deployed stack.
export * from '../index';
export { nodeUploadTransport } from './upload-node';
export { createSigV4Signer, NodeSha256, regionFromApiUrl, type SigV4SignerOptions } from './sigv4';

// What the webview test scripts (run.mjs, bench.mjs, csp-probe.mjs) import, as one bundle: the stand-in
// host, the fixtures and the Compare panel's message types.
export * from './harness';
export * from './fixtures/generate';
export * as Compare from '../../webview/compare/protocol';

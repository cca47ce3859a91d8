// What the webview test scripts (run.mjs, bench.mjs, csp-probe.mjs) import, as one bundle: the stand-in
// host, the fixtures and the panels' message types.
export * from './harness';
export * from './fixtures/generate';
export * as Compare from '../../webview/compare/protocol';
export * from './fixtures/runDetail';
export * as RunDetail from '../../webview/runDetail/protocol';
export * from './fixtures/explain';
export * as Explain from '../../webview/explain/protocol';

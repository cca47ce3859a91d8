// What the Compare panel and plotly need from the Content-Security-Policy. Loads the panel under the real
// policy (no 'unsafe-eval': the bundle is plotly's strict build), a stricter one (no style 'unsafe-inline')
// and the looser one the default plotly.js-dist-min build needed ('unsafe-eval'), draws every view
// (SVG lines, WebGL lines forced with lineageCompareGL='always', parallel coordinates, scatter, bars,
// table, PNG/SVG export) and reports the violations and what broke. Informational: exits 0.
//   node test/webview/csp-probe.mjs
import { importTs } from './tsModule.mjs';

const { launch, loadFixture, openPanel, startServer, Compare } = await importTs('test/webview/lib.ts');

const VARIANTS = [
  { name: "real: style-src 'unsafe-inline', no 'unsafe-eval'", styleInline: true, evalAllowed: false },
  { name: "no style 'unsafe-inline' either", styleInline: false, evalAllowed: false },
  { name: "with 'unsafe-eval' (what the default plotly build needed)", styleInline: true, evalAllowed: true },
];

const server = await startServer();
const browser = await launch();
const report = [];
for (const v of VARIANTS) {
  const p = await openPanel(browser, server, { cspOptions: { styleInline: v.styleInline, evalAllowed: v.evalAllowed, reportSample: true } });
  await p.page.evaluate(() => (window.lineageCompareGL = 'always'));
  const fixture = loadFixture('basic-init.json');
  let initOk = true;
  try {
    await p.send(fixture);
    await p.waitEvents('init-done', 1, 30_000);
  } catch {
    initOk = false;
  }
  const out = { variant: v.name, initOk };
  const curves = await p.page.evaluate(() => {
    const gd = document.querySelector('.chart-card .plot');
    const mb = gd?.querySelector('.modebar');
    return {
      types: gd?._fullData ? [...new Set(gd._fullData.map((t) => t.type))] : [],
      glCanvas: !!gd?.querySelector('canvas'),
      glFailed: !!gd?.textContent.includes('WebGL is not supported'),
      // plotly's injected rules position the mode bar; without them it falls into the page flow.
      modebarPosition: mb ? getComputedStyle(mb).position : null,
      toolkitButtonStyled: getComputedStyle(document.querySelector('vscode-button')).display !== 'inline',
    };
  });
  Object.assign(out, curves);
  for (const tab of ['parallel', 'scatter', 'bars', 'table']) {
    await p.page.click(`vscode-panel-tab#tab-${tab}`);
    await p.page.waitForTimeout(tab === 'parallel' ? 1500 : 500);
  }
  out.parcoords = await p.page.evaluate(() => {
    const gd = document.querySelector('.plot-parallel');
    return {
      traces: gd?._fullData?.length ?? 0,
      canvases: gd?.querySelectorAll('canvas').length ?? 0,
      glFailed: !!gd?.textContent.includes('WebGL is not supported'),
    };
  });
  out.tableRows = await p.page.evaluate(() => document.querySelectorAll('.dt-row:not([hidden])').length);
  await p.page.click('vscode-panel-tab#tab-curves');
  await p.page.waitForTimeout(300);
  await p.clearPosted();
  await p.page.click('.chart-card vscode-button.export-png');
  await p.page.click('.chart-card vscode-button.export-svg');
  await p.page.waitForTimeout(3000);
  out.exports = (await p.posted(Compare.CompareExport.type)).map((m) => `${m.format}:${m.data.slice(0, 22)}…`);
  const violations = await p.violations();
  const byDirective = {};
  for (const x of violations) {
    const key = `${x.effective}${x.blocked ? ` ${x.blocked}` : ''}`;
    byDirective[key] ??= { count: 0, samples: new Set(), sources: new Set() };
    byDirective[key].count++;
    if (x.sample) byDirective[key].samples.add(x.sample.slice(0, 60));
    if (x.source) byDirective[key].sources.add(`${x.source.split('/').pop()}:${x.line}`);
  }
  out.violations = Object.fromEntries(
    Object.entries(byDirective).map(([k, x]) => [k, { count: x.count, samples: [...x.samples].slice(0, 3), sources: [...x.sources].slice(0, 3) }]),
  );
  out.pageErrors = [...new Set(p.pageErrors.map((e) => e.slice(0, 160)))].slice(0, 4);
  out.consoleErrors = [...new Set(p.consoleErrors.map((e) => e.slice(0, 160)))].slice(0, 4);
  report.push(out);
  await p.close();
}
await browser.close();
await server.close();
for (const r of report) {
  console.log(`\n== ${r.variant}`);
  console.log(
    `  init ${r.initOk ? 'ok' : 'FAILED'}; curves ${r.types.join(',') || 'none'} (WebGL ${r.glFailed ? 'FAILED: "WebGL is not supported"' : r.glCanvas ? 'drawn' : 'none'}); mode bar position ${r.modebarPosition}${r.modebarPosition === 'absolute' ? '' : ' (plotly CSS missing)'}; toolkit styled ${r.toolkitButtonStyled}`,
  );
  console.log(
    `  parcoords ${r.parcoords.glFailed ? 'FAILED: "WebGL is not supported"' : `drawn (${r.parcoords.canvases} canvases)`}; table rows ${r.tableRows}; exports ${r.exports.join(' ') || 'none'}`,
  );
  console.log(`  violations: ${Object.keys(r.violations).length ? JSON.stringify(r.violations) : 'none'}`);
  if (r.pageErrors.length) console.log(`  page errors: ${r.pageErrors.join(' | ')}`);
  if (r.consoleErrors.length) console.log(`  console errors: ${r.consoleErrors.join(' | ')}`);
}
console.log(JSON.stringify(report));

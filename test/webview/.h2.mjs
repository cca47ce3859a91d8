import { startServer, launch, openPanel } from './harness.mjs';
import { encode, manyRunsInit } from './fixtures/generate.mjs';
const server = await startServer();
const browser = await launch();
const full = manyRunsInit(500);
const narrow = structuredClone(full);
for (const r of narrow.runs) { r.params = Object.fromEntries(Object.entries(r.params).slice(0, 8)); r.metrics = { val_loss: r.metrics.val_loss }; }
const out = {};
for (let i = 0; i < 2; i++) for (const [k, msg] of Object.entries({ full, narrow })) {
  const p = await openPanel(browser, server);
  await p.page.addStyleTag({ content: '.dt-row { will-change: auto !important; }' });
  await p.init(encode(msg));
  await p.page.waitForSelector('.dt-row:not([hidden])');
  const r = await p.page.evaluate(() => new Promise((resolve) => {
    const el = document.querySelector('.dt-wrap'); const times = [];
    const tick = () => { times.push(performance.now()); if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return resolve(times); el.scrollTop += 48; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  }));
  const iv = r.slice(1).map((v, j) => v - r[j]).sort((a, b) => a - b);
  (out[k] ??= []).push(`mean ${(iv.reduce((a, b) => a + b, 0) / iv.length).toFixed(1)} p95 ${iv[Math.floor(iv.length * 0.95)].toFixed(1)} cols ${await p.page.evaluate(() => document.querySelectorAll('.dt-th').length)}`);
  await p.close();
}
console.log(out);
await browser.close(); await server.close();

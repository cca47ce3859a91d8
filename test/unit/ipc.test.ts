import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Endpoint, notification, request, type Message } from '../../webview/shared/ipc';

/** Two endpoints wired to each other, as a host and its webview are, with every message on the wire kept. */
function pair() {
  const wire: Message[] = [];
  const box: { host?: Endpoint; page?: Endpoint } = {};
  box.host = new Endpoint((m) => (wire.push(m), void box.page!.receive(structuredClone(m))));
  box.page = new Endpoint((m) => (wire.push(m), void box.host!.receive(structuredClone(m))));
  return { host: box.host, page: box.page, wire };
}

const Hello = notification<{ name: string }>('test/hello');
const Add = request<{ a: number; b: number }, { sum: number }>('test/add');

test('ipc: a notification arrives as its params, with the envelope keys stripped', () => {
  const { host, page, wire } = pair();
  const got: unknown[] = [];
  page.on(Hello, (p) => got.push(p));
  host.notify(Hello, { name: 'run-1' });
  assert.deepEqual(got, [{ name: 'run-1' }]);
  assert.deepEqual(wire, [{ type: 'test/hello', name: 'run-1' }]);
});

test('ipc: the envelope numbers requests and routes each answer to its own caller', async () => {
  const { host, page, wire } = pair();
  host.onRequest(Add, async ({ a, b }) => {
    // Answer the first request last, so answers cross on the wire.
    await new Promise((r) => setTimeout(r, a === 1 ? 20 : 0));
    return { sum: a + b };
  });
  const answers: Array<[string, number]> = [];
  const ids = [
    page.request(Add, { a: 1, b: 2 }, (r) => answers.push(['first', r.sum])),
    page.request(Add, { a: 10, b: 20 }, (r) => answers.push(['second', r.sum])),
  ];
  assert.deepEqual(ids, [1, 2]);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(answers, [
    ['second', 30],
    ['first', 3],
  ]);
  assert.deepEqual(
    wire.filter((m) => m.type === 'test/add/response').map((m) => m.id),
    [2, 1],
  );
});

test('ipc: unknown types, non-messages and answers nobody waits for are ignored', () => {
  const { page } = pair();
  assert.equal(page.receive(null), undefined);
  assert.equal(page.receive('compare/init'), undefined);
  assert.equal(page.receive({ type: 42 }), undefined);
  assert.equal(page.receive({ type: 'nobody/listens' }), undefined);
  assert.equal(page.receive({ type: 'test/add/response', id: 99, sum: 1 }), undefined);
});

test('ipc: a request handler that throws sends no answer and the error reaches the receiver', async () => {
  const sent: Message[] = [];
  const host = new Endpoint((m) => sent.push(m));
  host.onRequest(Add, () => {
    throw new Error('no such run');
  });
  await assert.rejects(Promise.resolve(host.receive({ type: 'test/add', id: 1, a: 1, b: 1 })), /no such run/);
  assert.deepEqual(sent, []);
});

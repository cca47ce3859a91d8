import { Endpoint } from './ipc';
import { vscodeApi } from './vscode';

/**
 * A page's side of the envelope: it posts through the VS Code API, and handles what the host sends one
 * message at a time, in order, each after the previous one's handler finished (so a live append never
 * overtakes the init it extends, nor a zoom answer the redraw before it).
 */
export function connectToHost(onError: (err: unknown) => void): Endpoint {
  const ipc = new Endpoint((m) => vscodeApi<unknown, unknown>().postMessage(m));
  let queue: Promise<unknown> = Promise.resolve();
  window.addEventListener('message', (e: MessageEvent) => {
    const m: unknown = e.data;
    queue = queue.then(() => ipc.receive(m)).catch(onError);
  });
  return ipc;
}

/**
 * The envelope every Lineage panel speaks, host and webview alike. A message is declared once, in its
 * panel's protocol file, as a notification (no answer) or a request that carries its response type, so
 * both sides are checked by the compiler. On the wire a message is `{ type, ...params }` (plain,
 * structured-clone safe data); a request also carries an `id` the envelope assigns, and its response
 * comes back as `{ type: '<request type>/response', id, ...response }`. Types are `<panel>/<name>`.
 */

/** Params may not use the envelope's own keys. */
export type Params = Record<string, unknown> & { type?: never; id?: never };

export interface NotificationType<P extends Params> {
  readonly type: string;
  /** Never set: it only carries the params' type. */
  readonly _params?: P;
}

export interface RequestType<P extends Params, R extends Params> {
  readonly type: string;
  readonly responseType: string;
  readonly _params?: P;
  readonly _response?: R;
}

export function notification<P extends Params>(type: string): NotificationType<P> {
  return { type };
}

export function request<P extends Params, R extends Params>(type: string): RequestType<P, R> {
  return { type, responseType: `${type}/response` };
}

/** A message as it travels. */
export type Message<P = Record<string, unknown>> = { type: string; id?: number } & P;

export function isMessage(m: unknown): m is Message {
  return !!m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string';
}

type Handler = (m: Message) => unknown;

/**
 * One side of a panel's conversation: sends notifications and requests (numbering the requests), answers
 * the requests it has a handler for, and hands each response to the callback of the request it answers.
 * `receive` returns what the handler returned, so a caller that keeps messages in order can await it.
 */
export class Endpoint {
  private readonly handlers = new Map<string, Handler>();
  private readonly pending = new Map<number, (m: Message) => unknown>();
  private lastId = 0;

  constructor(private readonly send: (m: Message) => void) {}

  notify<P extends Params>(t: NotificationType<P>, params: P): void {
    this.send({ ...params, type: t.type });
  }

  /** Sends a request; `onResponse` gets its answer (answers to other or older requests never reach it). Returns the request's id. */
  request<P extends Params, R extends Params>(t: RequestType<P, R>, params: P, onResponse: (response: R) => unknown): number {
    const id = ++this.lastId;
    this.pending.set(id, (m) => onResponse(strip(m) as R));
    this.send({ ...params, type: t.type, id });
    return id;
  }

  on<P extends Params>(t: NotificationType<P>, handler: (params: P) => unknown): this {
    this.handlers.set(t.type, (m) => handler(strip(m) as P));
    return this;
  }

  /** Answers a request with what `handler` returns (nothing when it throws: the error goes to the caller of `receive`). */
  onRequest<P extends Params, R extends Params>(t: RequestType<P, R>, handler: (params: P) => R | Promise<R>): this {
    this.handlers.set(t.type, async (m) => {
      const response = await handler(strip(m) as P);
      this.send({ ...response, type: t.responseType, id: m.id });
    });
    return this;
  }

  /** Handles one incoming message; unknown types and answers nobody waits for are ignored. */
  receive(m: unknown): unknown {
    if (!isMessage(m)) return undefined;
    if (typeof m.id === 'number' && m.type.endsWith('/response')) {
      const done = this.pending.get(m.id);
      if (!done) return undefined;
      this.pending.delete(m.id);
      return done(m);
    }
    return this.handlers.get(m.type)?.(m);
  }
}

function strip(m: Message): Record<string, unknown> {
  const { type: _type, id: _id, ...params } = m;
  return params;
}

/** The VS Code webview API, typed by the panel's own message and state types. `acquireVsCodeApi` may be
 * called only once per page, so every module asks this one for it. */
export interface VsCodeApi<State, Out> {
  postMessage(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

let api: VsCodeApi<unknown, unknown> | undefined;

export function vscodeApi<State, Out>(): VsCodeApi<State, Out> {
  api ??= acquireVsCodeApi();
  return api as VsCodeApi<State, Out>;
}

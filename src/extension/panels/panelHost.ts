import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { Endpoint, type Message, type NotificationType, type Params } from '../../../webview/shared/ipc';
import { webviewHtml, type PanelAssets } from './webviewHtml';

/** What a panel is: its view type (package.json's onWebviewPanel), its page and the message that says the page is ready. */
export interface PanelSpec<Ready extends Params> extends PanelAssets {
  viewType: string;
  /** Named in logged errors. */
  label: string;
  ready: NotificationType<Ready>;
}

/**
 * The host side every Lineage panel shares: the webview's options and HTML (strict CSP, see webviewHtml.ts),
 * the message envelope, a ready handshake, serializer registration and one list of disposables. Nothing
 * is posted before the page said it is ready: until the first `ready` messages wait in a queue. Without
 * retainContextWhenHidden VS Code destroys a hidden page, and the page that comes back says `ready` again
 * with its saved state and is sent everything afresh, so what is posted while it is gone is dropped.
 */
export abstract class PanelHost<Ready extends Params> implements vscode.Disposable {
  /** Every open panel, so the real-VS Code tests can read the HTML (and CSP) each one was given. */
  private static readonly open = new Set<PanelHost<Params>>();
  protected readonly disposables: vscode.Disposable[] = [];
  protected readonly ipc: Endpoint;
  private ready = false;
  private wasReady = false;
  private queued: Message[] = [];
  private disposed = false;

  protected constructor(
    protected readonly state: Lineage,
    readonly panel: vscode.WebviewPanel,
    private readonly spec: PanelSpec<Ready>,
  ) {
    this.ipc = new Endpoint((m) => this.post(m));
    this.ipc.on(spec.ready, (params) => {
      this.ready = this.wasReady = true;
      for (const m of this.queued.splice(0)) void panel.webview.postMessage(m);
      return this.onReady(params);
    });
    const root = vscode.Uri.joinPath(state.context.extensionUri, 'dist', 'webview');
    panel.webview.html = webviewHtml(panel.webview, root, spec);
    PanelHost.open.add(this);
    panel.iconPath = vscode.Uri.joinPath(state.context.extensionUri, 'media', 'lineage.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The page has loaded (again, after a reload): send it what it shows. */
  protected abstract onReady(params: Ready): void | Promise<void>;

  /** A panel's own clean-up, before its disposables go. */
  protected onDispose(): void {}

  protected log(message: string): void {
    this.state.log(`${this.spec.label}: ${message}`);
  }

  /**
   * Where every message from the webview arrives (onDidReceiveMessage above calls exactly this). Public only
   * so the real-VS Code tests can deliver what a hostile page could send (main.ts `LineageApi.testPanels`).
   */
  async receive(m: unknown): Promise<void> {
    try {
      await this.ipc.receive(m);
    } catch (err) {
      this.log((err as Error).message);
    }
  }

  private post(m: Message): void {
    if (this.disposed) return;
    if (this.ready) void this.panel.webview.postMessage(m);
    else if (!this.wasReady) this.queued.push(m);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    PanelHost.open.delete(this);
    this.onDispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  /** The view type and HTML of every open panel (main.ts `LineageApi.testPanels.pages`). */
  static openPages(): Array<{ viewType: string; html: string }> {
    return [...PanelHost.open].map((p) => ({ viewType: p.spec.viewType, html: p.panel.webview.html }));
  }

  /** Options for every panel: scripts on, pages loaded only from dist/webview. No retainContextWhenHidden: pages save their state. */
  static options(state: Lineage): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(state.context.extensionUri, 'dist', 'webview')],
    };
  }

  static create(state: Lineage, viewType: string, title: string): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active, PanelHost.options(state));
  }

  /** Brings panels of this type back after a reload or restart, with the state their page saved. */
  static registerSerializer<Saved>(
    state: Lineage,
    viewType: string,
    revive: (panel: vscode.WebviewPanel, saved: Saved | undefined) => void,
  ): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(viewType, {
      deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: Saved | undefined) {
        panel.webview.options = PanelHost.options(state);
        revive(panel, saved);
        return Promise.resolve();
      },
    });
  }
}

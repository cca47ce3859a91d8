import * as vscode from 'vscode';

/**
 * A pseudoterminal that shows a run's output as it streams. Closing it (or Ctrl-C in it) stops the run,
 * as people expect from a terminal.
 */
export class RunTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private terminal: vscode.Terminal | undefined;
  private pending: string[] = [];
  private opened = false;
  private stopHandler: (() => void) | undefined;
  private finished = false;

  constructor(private readonly title: string) {}

  show(banner: string): void {
    this.terminal = vscode.window.createTerminal({ name: `Lineage: ${this.title}`, pty: this, iconPath: new vscode.ThemeIcon('beaker') });
    this.terminal.show(true);
    this.write(`${banner}\r\n`);
  }

  open(): void {
    this.opened = true;
    for (const p of this.pending.splice(0)) this.writeEmitter.fire(p);
  }

  close(): void {
    if (!this.finished) this.stopHandler?.();
  }

  handleInput(data: string): void {
    if (data === '\x03' && !this.finished) {
      this.write('^C\r\n[Lineage] stopping the run…\r\n');
      this.stopHandler?.();
    }
  }

  onStop(fn: () => void): void {
    this.stopHandler = fn;
  }

  write(text: string): void {
    const t = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.writeEmitter.fire(t);
    else this.pending.push(t);
  }

  finish(text: string): void {
    this.finished = true;
    this.write(text);
  }

  dispose(): void {
    this.terminal?.dispose();
  }
}

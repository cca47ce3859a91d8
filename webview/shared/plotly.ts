/**
 * plotly is loaded as its own <script> (plotly.min.js, not bundled) and sets `window.Plotly`. This is the
 * small part of its API the plot panels use, typed loosely on purpose: traces and layouts are plain
 * objects built in charts.ts. Looked up on every call so tests can observe the calls.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Trace = Record<string, any>;
export type Layout = Record<string, any>;

export interface PlotDiv extends HTMLDivElement {
  data: Trace[];
  layout: Layout;
  _fullLayout?: any;
  on(event: string, handler: (ev: any) => unknown): void;
  removeAllListeners?(event?: string): void;
}

export interface PlotlyApi {
  newPlot(gd: HTMLElement, data: Trace[], layout?: Layout, config?: Record<string, unknown>): Promise<PlotDiv>;
  react(gd: HTMLElement, data: Trace[], layout?: Layout, config?: Record<string, unknown>): Promise<PlotDiv>;
  extendTraces(gd: HTMLElement, update: Record<string, ArrayLike<number>[]>, indices: number[], maxPoints?: number): Promise<PlotDiv>;
  restyle(gd: HTMLElement, update: Record<string, unknown>, indices?: number[]): Promise<PlotDiv>;
  relayout(gd: HTMLElement, update: Record<string, unknown>): Promise<PlotDiv>;
  purge(gd: HTMLElement): void;
  toImage(gd: HTMLElement, opts: { format: 'png' | 'svg' | 'jpeg' | 'webp'; width?: number; height?: number; scale?: number }): Promise<string>;
  Plots: { resize(gd: HTMLElement): Promise<void> };
}

export function plotly(): PlotlyApi {
  const p = (window as unknown as { Plotly?: PlotlyApi }).Plotly;
  if (!p) throw new Error('plotly.min.js did not load');
  return p;
}

export function hasPlotly(): boolean {
  return typeof (window as unknown as { Plotly?: unknown }).Plotly === 'object';
}

/** Our config for every chart: no plotly logo or cloud link, and image export goes through the host. */
export const PLOT_CONFIG = {
  displaylogo: false,
  responsive: false,
  scrollZoom: false,
  showTips: false,
  modeBarButtonsToRemove: ['toImage', 'sendDataToCloud', 'lasso2d', 'select2d', 'editInChartStudio'],
};

import { plotly, type PlotDiv } from './plotly';

/** A chart as a PNG or SVG data URL at its size on screen (PNG at twice the pixels), for the host to save. */
export function plotImage(gd: PlotDiv, format: 'png' | 'svg'): Promise<string> {
  const width = Math.max(320, gd.offsetWidth || 800);
  const height = Math.max(240, gd.offsetHeight || 400);
  return plotly().toImage(gd, { format, width, height, scale: format === 'png' ? 2 : 1 });
}

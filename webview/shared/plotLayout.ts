/** The parts of a plotly chart every plot panel shares: run colours and the theme's colours and fonts. */
import type { Theme } from './theme';
import { runColor } from './theme';

/** A run's colour as an `rgb()` string (so an alpha can be applied). */
export function colorOf(theme: Theme, index: number): string {
  return runColor(theme, index);
}

/** The layout parts every chart shares: colours and fonts from the theme. */
export function baseLayout(theme: Theme): Record<string, unknown> {
  const axis = {
    gridcolor: theme.grid,
    zerolinecolor: theme.zeroLine,
    linecolor: theme.border,
    tickcolor: theme.border,
    automargin: true,
    color: theme.foreground,
  };
  return {
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 1), color: theme.foreground },
    hoverlabel: { bgcolor: theme.hoverBackground, bordercolor: theme.border, font: { family: theme.fontFamily, color: theme.foreground } },
    legend: { font: { color: theme.foreground }, bgcolor: 'rgba(0,0,0,0)' },
    modebar: { bgcolor: 'rgba(0,0,0,0)', color: theme.muted, activecolor: theme.foreground },
    xaxis: { ...axis },
    yaxis: { ...axis },
    autosize: true,
  };
}

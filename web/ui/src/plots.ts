// Time plots over uPlot: every plot of a patient page shares one time axis (zooming or panning
// one moves all) and one cursor. Zoom: drag across a plot, or the mouse wheel; pan: shift+drag
// or the arrow buttons; "Whole range" resets. uPlot draws a year of hourly points (8,760 per
// series) in a few milliseconds, so the page does not freeze.
import uPlot from 'uplot';
import { button, h } from './dom';

export interface Marker {
  t: number; // seconds since the epoch
  label: string;
  color: string;
}

export interface SeriesSpec {
  label: string;
  unit: string;
  color: string;
  kind?: 'line' | 'step' | 'points' | 'bars';
  dash?: number[];
  fill?: string;
}

export interface PlotSpec {
  id: string;
  title: string;
  help?: string;
  xs: number[]; // seconds, ascending
  series: { spec: SeriesSpec; values: (number | null)[] }[];
  markers?: Marker[];
  // A band between two series (indexes into `series`), e.g. the discrepancy band.
  band?: { lower: number; upper: number; fill: string };
  height?: number;
}

// Plots that move together.
export class PlotGroup {
  private plots: uPlot[] = [];
  private syncing = false;
  private full: [number, number] | null = null;
  readonly cursorKey = `itdd-${Math.random().toString(36).slice(2)}`;

  add(plot: uPlot, xs: number[]): void {
    this.plots.push(plot);
    if (xs.length) {
      const lo = xs[0];
      const hi = xs[xs.length - 1];
      this.full = this.full ? [Math.min(this.full[0], lo), Math.max(this.full[1], hi)] : [lo, hi];
    }
  }

  setRange(min: number, max: number, from?: uPlot): void {
    if (this.syncing) return;
    this.syncing = true;
    for (const p of this.plots) if (p !== from) p.setScale('x', { min, max });
    this.syncing = false;
  }

  range(): [number, number] | null {
    const p = this.plots[0];
    if (!p || p.scales.x.min == null || p.scales.x.max == null) return this.full;
    return [p.scales.x.min, p.scales.x.max];
  }

  reset(): void {
    if (this.full) this.setRange(this.full[0], this.full[1] + 1);
  }

  pan(fraction: number): void {
    const r = this.range();
    if (!r) return;
    const shift = (r[1] - r[0]) * fraction;
    this.setRange(r[0] + shift, r[1] + shift);
  }

  zoom(factor: number, centre?: number): void {
    const r = this.range();
    if (!r) return;
    const c = centre ?? (r[0] + r[1]) / 2;
    this.setRange(c - (c - r[0]) * factor, c + (r[1] - c) * factor);
  }

  controls(): HTMLElement {
    return h(
      'div',
      { class: 'actions', role: 'group', 'aria-label': 'Time range of the plots' },
      button('◀ Earlier', () => this.pan(-0.5), { class: 'secondary', 'aria-label': 'Pan earlier' }),
      button('Later ▶', () => this.pan(0.5), { class: 'secondary', 'aria-label': 'Pan later' }),
      button('Zoom in', () => this.zoom(0.5), { class: 'secondary' }),
      button('Zoom out', () => this.zoom(2), { class: 'secondary' }),
      button('Whole range', () => this.reset(), { class: 'secondary' }),
    );
  }

  destroy(): void {
    for (const p of this.plots) p.destroy();
    this.plots = [];
  }
}

function markersPlugin(markers: Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.lineWidth = 2 * devicePixelRatio;
        for (const m of markers) {
          const x = Math.round(u.valToPos(m.t, 'x', true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.color;
          ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

// Mouse wheel zooms around the cursor; shift+drag pans.
function wheelAndPanPlugin(group: PlotGroup): uPlot.Plugin {
  return {
    hooks: {
      ready: (u: uPlot) => {
        const over = u.over;
        over.addEventListener(
          'wheel',
          (e: WheelEvent) => {
            e.preventDefault();
            const rect = over.getBoundingClientRect();
            const centre = u.posToVal(e.clientX - rect.left, 'x');
            group.zoom(e.deltaY < 0 ? 0.75 : 1 / 0.75, centre);
          },
          { passive: false },
        );
        over.addEventListener('mousedown', (e: MouseEvent) => {
          if (!e.shiftKey) return;
          e.preventDefault();
          e.stopPropagation();
          const r = group.range();
          if (!r) return;
          const startX = e.clientX;
          const perPx = (r[1] - r[0]) / over.clientWidth;
          const move = (ev: MouseEvent) => {
            const d = (startX - ev.clientX) * perPx;
            group.setRange(r[0] + d, r[1] + d);
          };
          const up = () => {
            window.removeEventListener('mousemove', move);
            window.removeEventListener('mouseup', up);
          };
          window.addEventListener('mousemove', move);
          window.addEventListener('mouseup', up);
        }, true);
      },
    },
  };
}

function pathsOf(kind: SeriesSpec['kind']): uPlot.Series.PathBuilder | undefined {
  const { stepped, bars } = uPlot.paths;
  if (kind === 'step') return stepped!({ align: 1 });
  if (kind === 'bars') return bars!({ size: [0.9, 40] });
  return undefined;
}

export function timePlot(spec: PlotSpec, group: PlotGroup, width: number): HTMLElement {
  const figure = h('figure', { class: 'plot', id: spec.id, 'aria-label': spec.title });
  figure.appendChild(h('h3', {}, spec.title));
  if (spec.help) figure.appendChild(h('p', { class: 'plot-help' }, spec.help));
  const holder = h('div', { class: 'plot-canvas' });
  figure.appendChild(holder);

  const units = [...new Set(spec.series.map((s) => s.spec.unit))];
  const series: uPlot.Series[] = [
    {},
    ...spec.series.map(({ spec: s }) => ({
      label: `${s.label} (${s.unit})`,
      stroke: s.color,
      width: s.kind === 'points' ? 0 : 2,
      dash: s.dash,
      fill: s.fill,
      scale: s.unit,
      spanGaps: s.kind === 'step',
      paths: s.kind === 'points' ? () => null : pathsOf(s.kind),
      points: s.kind === 'points' ? { show: true, size: 9, fill: s.color, stroke: s.color } : { show: false },
      value: (_u: uPlot, v: number | null) => (v == null ? '—' : `${round(v)} ${s.unit}`),
    })),
  ];
  const axes: uPlot.Axis[] = [
    {},
    ...units.map((unit, i) => ({
      scale: unit,
      label: unit,
      side: i === 0 ? 3 : 1,
      grid: { show: i === 0 },
      size: 60,
    })),
  ];
  const scales: uPlot.Scales = { x: { time: true } };
  for (const unit of units) scales[unit] = { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] };
  const bands: uPlot.Band[] = spec.band
    ? [{ series: [spec.band.upper + 1, spec.band.lower + 1], fill: spec.band.fill }]
    : [];

  const data: uPlot.AlignedData = [spec.xs, ...spec.series.map((s) => s.values)];
  const plot = new uPlot(
    {
      width,
      height: spec.height ?? 220,
      series,
      axes,
      scales,
      bands,
      cursor: { sync: { key: group.cursorKey }, drag: { x: true, y: false } },
      plugins: [markersPlugin(spec.markers ?? []), wheelAndPanPlugin(group)],
      hooks: {
        setScale: [
          (u: uPlot, key: string) => {
            if (key === 'x' && u.scales.x.min != null && u.scales.x.max != null) {
              // The range shown, for people (the title) and for tests.
              figure.dataset.fromS = String(Math.round(u.scales.x.min));
              figure.dataset.toS = String(Math.round(u.scales.x.max));
              group.setRange(u.scales.x.min, u.scales.x.max, u);
            }
          },
        ],
      },
    },
    data,
    holder,
  );
  group.add(plot, spec.xs);
  if (spec.markers?.length) {
    const legend = h('ul', { class: 'plot-help', 'aria-label': `Markers on ${spec.title}` });
    const kinds = new Map<string, string>();
    for (const m of spec.markers) kinds.set(m.label.split(':')[0], m.color);
    for (const [label, color] of kinds) {
      legend.appendChild(h('li', { style: `color:${color}` }, `┆ ${label}`));
    }
    figure.appendChild(legend);
  }
  return figure;
}

function round(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/**
 * Outcomes per day as a small stacked bar chart, drawn as inline SVG.
 *
 * `days` is [{date: Date, counts: {succeeded, failed, ...}}] oldest first; `series` names the
 * stacked parts bottom-up with their labels and CSS classes.
 */

import { h, svg, uid } from '../dom.js';

const WIDTH = 1100;
const HEIGHT = 210;
const MARGIN = { top: 12, right: 8, bottom: 34, left: 36 };

const dayLabel = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });

// A round step (1, 2 or 5 × 10ⁿ) giving at most five gridlines above zero, and the top of
// the scale that many steps up.
export function scale(value) {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const step of [1, 2, 5].map((m) => m * magnitude)) {
      const steps = Math.max(2, Math.ceil(value / step));
      if (steps <= 5) return { step, max: steps * step };
    }
  }
}

export function outcomeChart({ days, series, title, summary }) {
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = days.map((day) => series.reduce((sum, part) => sum + (day.counts[part.key] || 0), 0));
  const { step, max } = scale(Math.max(0, ...totals));
  const slot = innerWidth / days.length;
  const barWidth = Math.min(34, slot * 0.56);
  const y = (value) => MARGIN.top + innerHeight - (value / max) * innerHeight;

  const grid = Array.from({ length: max / step + 1 }, (_, index) => {
    const value = index * step;
    const at = y(value);
    return svg(
      'g',
      { class: 'chart-grid' },
      svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: at, y2: at }),
      svg('text', { x: MARGIN.left - 6, y: at + 4, 'text-anchor': 'end' }, String(value)),
    );
  });

  const bars = days.map((day, index) => {
    const x = MARGIN.left + slot * index + (slot - barWidth) / 2;
    let base = 0;
    const parts = [];
    for (const part of series) {
      const count = day.counts[part.key] || 0;
      if (!count) continue;
      const top = y(base + count);
      const height = y(base) - top;
      parts.push(
        svg(
          'rect',
          { class: ['chart-bar', part.className], x, y: top, width: barWidth, height: Math.max(height, 1), rx: 2 },
          svg('title', {}, `${dayLabel.format(day.date)}: ${count} ${part.label.toLowerCase()}`),
        ),
      );
      base += count;
    }
    const showLabel = slot >= 56 || (days.length - 1 - index) % 2 === 0;
    const labels = showLabel
      ? [
          svg(
            'text',
            { class: 'chart-axis', x: x + barWidth / 2, y: HEIGHT - MARGIN.bottom + 16, 'text-anchor': 'middle' },
            dayLabel.format(day.date),
          ),
          svg(
            'text',
            { class: 'chart-axis chart-axis-muted', x: x + barWidth / 2, y: HEIGHT - MARGIN.bottom + 30, 'text-anchor': 'middle' },
            weekday.format(day.date),
          ),
        ]
      : [];
    return svg('g', {}, parts, labels);
  });

  const chart = svg(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      preserveAspectRatio: 'xMidYMid meet',
    },
    svg('title', { id: titleId }, title),
    svg('desc', { id: descId }, summary),
    grid,
    svg('line', {
      class: 'chart-baseline',
      x1: MARGIN.left,
      x2: WIDTH - MARGIN.right,
      y1: y(0),
      y2: y(0),
    }),
    bars,
  );

  const legend = h(
    'ul',
    { class: 'chart-legend', 'aria-hidden': 'true' },
    series.map((part) =>
      h('li', {}, h('span', { class: ['legend-swatch', part.className] }), part.label),
    ),
  );
  return h('figure', { class: 'chart-figure', 'data-testid': 'sync-log-chart' }, chart, legend);
}

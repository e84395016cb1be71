/** A small hand-written SVG of the learning curve: train and validation loss vs epoch, log-scale y. */

export interface CurveSeries {
  label: string;
  color: string;
  /** [epoch, value] pairs; non-positive or non-finite values are skipped (log scale). */
  points: Array<[number, number]>;
}

export interface LearningCurveOptions {
  width?: number;
  height?: number;
  title?: string;
  /** y-axis label. Default 'loss'. */
  yLabel?: string;
}

const fmt = (x: number): string => (Math.round(x * 100) / 100).toString();

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
  return Math.max(1, 10 * p);
}

/** SVG text of one or more series on a log-scale y axis. */
export function learningCurveSvg(series: CurveSeries[], options: LearningCurveOptions = {}): string {
  const W = options.width ?? 640;
  const H = options.height ?? 400;
  const m = { left: 64, right: 16, top: options.title ? 32 : 16, bottom: 44 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const clean = series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && y > 0) }));
  const all = clean.flatMap((s) => s.points);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (options.title) parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  if (all.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data yet</text>`, '</svg>');
    return parts.join('\n');
  }
  const xMin = Math.min(...all.map((p) => p[0]));
  const xMax = Math.max(xMin + 1, ...all.map((p) => p[0]));
  let lo = Math.floor(Math.log10(Math.min(...all.map((p) => p[1]))));
  let hi = Math.ceil(Math.log10(Math.max(...all.map((p) => p[1]))));
  if (hi <= lo) hi = lo + 1;
  const X = (x: number) => m.left + ((x - xMin) / (xMax - xMin)) * pw;
  const Y = (v: number) => m.top + ((hi - Math.log10(v)) / (hi - lo)) * ph;

  // Grid and y ticks at every decade (labels thinned when there are many).
  const every = Math.ceil((hi - lo) / 8);
  for (let k = lo; k <= hi; k++) {
    const y = fmt(Y(10 ** k));
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    if ((k - lo) % every === 0) parts.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">1e${k}</text>`);
    // Short ranges get 2× and 5× ticks too.
    if (hi - lo <= 2 && k < hi) {
      for (const f of [2, 5]) {
        const yf = fmt(Y(f * 10 ** k));
        parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${yf}" y2="${yf}" stroke="#eee"/>`);
        parts.push(`<text x="${m.left - 6}" y="${yf}" text-anchor="end" dominant-baseline="middle" fill="#666">${f}e${k}</text>`);
      }
    }
  }
  const step = niceStep(xMax - xMin, 8);
  for (let x = Math.ceil(xMin / step) * step; x <= xMax; x += step) {
    const px = fmt(X(x));
    parts.push(`<line x1="${px}" x2="${px}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="black"/>`);
    parts.push(`<text x="${px}" y="${m.top + ph + 18}" text-anchor="middle">${x}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 8}" text-anchor="middle">epoch</text>`);
  parts.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel ?? 'loss')} (log scale)</text>`);

  clean.forEach((s, i) => {
    if (s.points.length > 0) {
      const d = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${fmt(X(x))} ${fmt(Y(y))}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
      if (s.points.length <= 60) for (const [x, y] of s.points) parts.push(`<circle cx="${fmt(X(x))}" cy="${fmt(Y(y))}" r="2" fill="${s.color}"/>`);
    }
    const ly = m.top + 14 + i * 16;
    parts.push(`<line x1="${m.left + pw - 110}" x2="${m.left + pw - 90}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${m.left + pw - 84}" y="${ly}" dominant-baseline="middle">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

// A small SVG writer for bench charts, with no dependency: bars (a histogram) and lines with
// points, on a linear or log x axis, a left y axis and an optional right one for fractions
// (a CDF). Each bar is a <rect class="bar">, each point a <circle class="point">, so that a
// reader (or a test) can count them.

export interface Bar {
  from: number
  to: number
  value: number
}
export interface Point {
  x: number
  y: number
}
export interface Series<T> {
  label: string
  items: T[]
}

export interface ChartSpec {
  title: string
  xLabel: string
  yLabel: string
  xScale: "linear" | "log"
  bars?: Series<Bar>[]
  lines?: Series<Point>[]
  /** Lines drawn against a right axis from 0 to 1, labelled with this (shown as %). */
  fractionLines?: { label: string; series: Series<Point>[] }
}

const WIDTH = 800
const HEIGHT = 450
const M = { left: 72, right: 64, top: 44, bottom: 56 }
const PLOT_W = WIDTH - M.left - M.right
const PLOT_H = HEIGHT - M.top - M.bottom
/** One colour per series, in order: omq first, then the library compared with. */
const COLOURS = ["#2b6cb0", "#dd6b20", "#2f855a", "#9b2c2c"]

export function renderSvg(spec: ChartSpec): string {
  const bars = spec.bars ?? []
  const lines = spec.lines ?? []
  const fractions = spec.fractionLines?.series ?? []
  const xs = [
    ...bars.flatMap((s) => s.items.flatMap((b) => [b.from, b.to])),
    ...[...lines, ...fractions].flatMap((s) => s.items.map((p) => p.x)),
  ]
  const ys = [
    ...bars.flatMap((s) => s.items.map((b) => b.value)),
    ...lines.flatMap((s) => s.items.map((p) => p.y)),
  ]
  const x = axis(spec.xScale, Math.min(...xs), Math.max(...xs), M.left, M.left + PLOT_W)
  // 5 % headroom, so that the tallest bar does not touch the frame.
  const y = axis("linear", 0, Math.max(1e-9, ...ys) * 1.05, M.top + PLOT_H, M.top)
  const fy = (f: number) => M.top + PLOT_H * (1 - f)

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="15">${esc(spec.title)}</text>`,
  ]
  // Grid and tick labels.
  for (const t of x.ticks)
    out.push(
      line(x.at(t), M.top, x.at(t), M.top + PLOT_H, "#eee"),
      text(x.at(t), M.top + PLOT_H + 16, short(t), "middle"),
    )
  for (const t of y.ticks)
    out.push(
      line(M.left, y.at(t), M.left + PLOT_W, y.at(t), "#eee"),
      text(M.left - 6, y.at(t) + 4, short(t), "end"),
    )
  if (spec.fractionLines)
    for (const f of [0, 0.25, 0.5, 0.75, 1])
      out.push(text(M.left + PLOT_W + 6, fy(f) + 4, `${f * 100}%`, "start"))
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#999"/>`,
    text(M.left + PLOT_W / 2, HEIGHT - 14, spec.xLabel, "middle"),
    `<text transform="translate(16 ${M.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  )
  if (spec.fractionLines)
    out.push(
      `<text transform="translate(${WIDTH - 12} ${M.top + PLOT_H / 2}) rotate(90)" text-anchor="middle">${esc(spec.fractionLines.label)}</text>`,
    )

  bars.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]
    for (const b of s.items) {
      const left = x.at(b.from)
      const top = y.at(b.value)
      out.push(
        `<rect class="bar" x="${r(left)}" y="${r(top)}" width="${r(Math.max(0.5, x.at(b.to) - left - 1))}" height="${r(M.top + PLOT_H - top)}" fill="${colour}" fill-opacity="${bars.length > 1 ? 0.5 : 0.8}"/>`,
      )
    }
  })
  const drawLine = (s: Series<Point>, colour: string, toY: (v: number) => number, dash: string) => {
    const pts = s.items.map((p) => `${r(x.at(p.x))},${r(toY(p.y))}`)
    out.push(
      `<polyline class="line" points="${pts.join(" ")}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`,
    )
    for (const p of s.items)
      out.push(
        `<circle class="point" cx="${r(x.at(p.x))}" cy="${r(toY(p.y))}" r="2.5" fill="${colour}"/>`,
      )
  }
  for (const [i, s] of lines.entries()) drawLine(s, COLOURS[i % COLOURS.length]!, y.at, "")
  for (const [i, s] of fractions.entries())
    drawLine(s, COLOURS[i % COLOURS.length]!, fy, ` stroke-dasharray="5 3"`)

  // Legend: one entry per series label, in order, in a row above the plot's right end.
  const labels = [...new Set([...bars, ...lines, ...fractions].map((s) => s.label))]
  labels.forEach((label, i) => {
    const lx = M.left + PLOT_W - (labels.length - i) * 100
    out.push(
      `<rect x="${lx}" y="${M.top - 17}" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/>`,
      text(lx + 14, M.top - 8, label, "start"),
    )
  })
  out.push("</svg>")
  return `${out.join("\n")}\n`
}

interface Axis {
  at: (v: number) => number
  ticks: number[]
}

/** Maps [lo, hi] onto pixels [from, to], with round tick values. */
function axis(scale: "linear" | "log", lo: number, hi: number, from: number, to: number): Axis {
  if (scale === "log") {
    const a = Math.log10(Math.max(lo, 1e-9))
    const b = Math.max(Math.log10(Math.max(hi, 1e-9)), a + 1e-6)
    const ticks: number[] = []
    for (let e = Math.floor(a); e <= Math.ceil(b); e++)
      for (const m of [1, 2, 5]) {
        const t = m * 10 ** e
        if (t >= 10 ** a && t <= 10 ** b) ticks.push(t)
      }
    return {
      at: (v) => from + ((Math.log10(Math.max(v, 1e-9)) - a) / (b - a)) * (to - from),
      ticks,
    }
  }
  if (hi <= lo) hi = lo + 1
  const raw = (hi - lo) / 5
  const base = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * base).find((s) => s >= raw)!
  const ticks: number[] = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t)
  return { at: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks }
}

/** 1234 → "1.2k", 2500000 → "2.5M", 0.5 → "0.5". */
function short(v: number): string {
  const a = Math.abs(v)
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`
  return `${+v.toFixed(a < 1 ? 2 : 1)}`
}

const r = (v: number) => Math.round(v * 10) / 10
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const line = (x1: number, y1: number, x2: number, y2: number, stroke: string) =>
  `<line x1="${r(x1)}" y1="${r(y1)}" x2="${r(x2)}" y2="${r(y2)}" stroke="${stroke}"/>`
const text = (x: number, y: number, s: string, anchor: string) =>
  `<text x="${r(x)}" y="${r(y)}" text-anchor="${anchor}">${esc(s)}</text>`

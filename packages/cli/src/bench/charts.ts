// The chart of a bench result: for latency, a histogram of round-trip times with its CDF; for
// throughput, the rate over time. One series per library, from each library's last run.
import { writeFileSync } from "node:fs"
import { LIBRARY_LABEL } from "./library.js"
import { formatSize } from "./report.js"
import type { BenchResult } from "./run.js"
import { logHistogram, rateOverTime } from "./stats.js"
import { type ChartSpec, renderSvg } from "./svg-chart.js"

export function chartSpec(result: BenchResult): ChartSpec {
  const { options } = result
  const bins = options.bins
  const title = `omq bench ${options.mode} · ${options.transport} · ${formatSize(options.size)}`
  if (options.mode === "lat") {
    const histograms = result.results.map((r) => ({
      label: LIBRARY_LABEL[r.library],
      total: r.chart.samples?.length ?? 0,
      bins: logHistogram(r.chart.samples ?? new Float64Array(), bins),
    }))
    return {
      title: `${title} · round-trip latency`,
      xLabel: "round trip (µs, log scale)",
      yLabel: "round trips",
      xScale: "log",
      bars: histograms.map((h) => ({
        label: h.label,
        items: h.bins.map((b) => ({ from: b.from, to: b.to, value: b.count })),
      })),
      fractionLines: {
        label: "share at or below (CDF)",
        series: histograms.map((h) => {
          let below = 0
          const items = h.bins.map((b) => ({
            x: b.to,
            y: (below += b.count) / Math.max(1, h.total),
          }))
          return { label: h.label, items }
        }),
      },
    }
  }
  return {
    title: `${title} · throughput over time`,
    xLabel: "time (s)",
    yLabel: "messages per second",
    xScale: "linear",
    lines: result.results.map((r) => ({
      label: LIBRARY_LABEL[r.library],
      items: rateOverTime(r.chart.timeline ?? [], bins).map((p) => ({
        x: p.seconds,
        y: p.msgsPerSec,
      })),
    })),
  }
}

export function writeChart(result: BenchResult, file: string): void {
  writeFileSync(file, renderSvg(chartSpec(result)))
}

// The numbers behind `omq bench`'s table and chart, on made-up samples.
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { parseCount, parseDuration, parseSize, UsageError } from "../src/bench/options.js"
import {
  countAt,
  logHistogram,
  median,
  medianFields,
  percentiles,
  quantile,
  rateOverTime,
} from "../src/bench/stats.js"

describe("bench stats", () => {
  it("percentiles by nearest rank", () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1)
    assert.deepEqual(percentiles(sorted), {
      min: 1,
      mean: 500.5,
      p50: 500,
      p90: 900,
      p99: 990,
      p999: 999,
      max: 1000,
    })
    assert.equal(quantile([7], 0.999), 7)
  })

  it("medians field by field, nested ones too", () => {
    assert.equal(median([3, 1, 2]), 2)
    assert.equal(median([4, 1, 2, 3]), 2.5)
    const runs = [
      { rate: 1, latency: { p50: 10 }, name: null },
      { rate: 3, latency: { p50: 30 }, name: null },
      { rate: 2, latency: { p50: 20 }, name: null },
    ]
    assert.deepEqual(medianFields(runs), { rate: 2, latency: { p50: 20 }, name: null })
  })

  it("the rate over time from a timeline of (ms, count) pairs", () => {
    const timeline = [0, 0, 100, 1000, 200, 1000, 400, 5000]
    assert.equal(countAt(timeline, 50), 500)
    assert.equal(countAt(timeline, 300), 3000)
    const rates = rateOverTime(timeline, 4).map((p) => [p.seconds, p.msgsPerSec])
    assert.deepEqual(rates, [
      [0.05, 10_000],
      [0.15, 0],
      [0.25, 20_000],
      [0.35, 20_000],
    ])
  })

  it("a log histogram holds every sample", () => {
    const sorted = Float64Array.from([1, 2, 4, 8, 16, 16, 1000])
    const bins = logHistogram(sorted, 10)
    assert.equal(bins.length, 10)
    assert.equal(
      bins.reduce((n, b) => n + b.count, 0),
      sorted.length,
    )
    assert.equal(bins[0]!.from, 1)
    assert.ok(Math.abs(bins[9]!.to - 1000) < 1e-6)
    assert.equal(bins[9]!.count, 1)
  })
})

describe("bench option values", () => {
  it("sizes, counts and durations", () => {
    assert.equal(parseSize("64"), 64)
    assert.equal(parseSize("1k"), 1024)
    assert.equal(parseSize("2MiB"), 2 * 1024 ** 2)
    assert.equal(parseSize("0"), 0)
    assert.equal(parseCount("1m", "count"), 1_000_000)
    assert.equal(parseCount("100_000", "count"), 100_000)
    assert.equal(parseDuration("500ms"), 500)
    assert.equal(parseDuration("1.5"), 1500)
    for (const bad of ["-1", "1.5k", "x", "1g", "300m"])
      assert.throws(() => parseSize(bad), UsageError, bad)
    assert.throws(() => parseCount("0", "count"), UsageError)
    assert.throws(() => parseDuration("soon"), UsageError)
  })
})

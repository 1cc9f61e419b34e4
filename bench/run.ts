/** Runs the benchmarks (all, or those named on the command line) and prints a table and JSON. */
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ratio, type Benchmark, type Figure } from './harness.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const wanted = process.argv.slice(2)
const files = (await readdir(here)).filter((file) => file.endsWith('.bench.js')).sort()

const results: { benchmark: string; figures: Figure[] }[] = []
for (const file of files) {
  const { benchmark } = (await import(new URL(file, import.meta.url).href)) as { benchmark: Benchmark }
  if (wanted.length > 0 && !wanted.includes(benchmark.name)) continue
  process.stderr.write(`running ${benchmark.name}…\n`)
  results.push({ benchmark: benchmark.name, figures: await benchmark.run() })
}

const format = (value: number): string => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3))
const rows = results.flatMap(({ benchmark, figures }) =>
  figures.map((figure) => {
    const r = ratio(figure)
    return {
      benchmark,
      figure: figure.name,
      value: `${format(figure.value)} ${figure.unit}`,
      baseline: figure.baseline === undefined ? '' : `${figure.baseline.name}: ${format(figure.baseline.value)} ${figure.unit}`,
      ratio: r === undefined ? '' : r.toFixed(2),
      note: figure.note ?? '',
    }
  }),
)
console.table(rows)
console.log(JSON.stringify(results.map(({ benchmark, figures }) => ({ benchmark, figures: figures.map((f) => ({ ...f, ratio: ratio(f) })) })), null, 2))

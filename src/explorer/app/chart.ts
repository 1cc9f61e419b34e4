/**
 * The chart of the last blocks: the interval since the parent, transactions and gas per block,
 * drawn with uPlot (bundled into the page; nothing is fetched at run time).
 */
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { BlockResult } from '../../rpc/api.js'

export interface BlocksChart {
  update(blocks: readonly BlockResult[]): void
  destroy(): void
}

/** Columns of the chart from blocks newest first (as `getBlocks` answers): oldest first, one point per block with a parent in view (other than genesis). */
export function chartData(blocks: readonly BlockResult[]): [number[], number[], number[], number[]] {
  const ordered = [...blocks].reverse()
  const heights: number[] = []
  const intervals: number[] = []
  const transactions: number[] = []
  const gas: number[] = []
  for (let i = 1; i < ordered.length; i++) {
    const block = ordered[i]!
    // The genesis timestamp is when the network was made, not when block 1's work started.
    if (ordered[i - 1]!.height === 0) continue
    heights.push(block.height)
    intervals.push((block.timestamp - ordered[i - 1]!.timestamp) / 1000)
    transactions.push(block.transactions.length)
    gas.push(block.gasUsed)
  }
  return [heights, intervals, transactions, gas]
}

export function blocksChart(container: HTMLElement, blocks: readonly BlockResult[]): BlocksChart {
  const options: uPlot.Options = {
    width: Math.max(320, container.clientWidth),
    height: 260,
    title: 'Last blocks',
    scales: { x: { time: false } },
    axes: [
      { label: 'height' },
      { scale: 's', label: 'interval (s)' },
      { scale: 'n', side: 1, label: 'transactions', grid: { show: false } },
      { scale: 'gas', side: 1, label: 'gas', grid: { show: false } },
    ],
    series: [
      { label: 'height' },
      { label: 'interval (s)', scale: 's', stroke: '#1f77b4', width: 2 },
      { label: 'transactions', scale: 'n', stroke: '#2ca02c', width: 2 },
      { label: 'gas', scale: 'gas', stroke: '#d62728', width: 2 },
    ],
  }
  const plot = new uPlot(options, chartData(blocks), container)
  return {
    update: (next) => plot.setData(chartData(next)),
    destroy: () => plot.destroy(),
  }
}

import { firstContacts } from './scenario.js'
import type { MessageRecord, SimResult } from './scenario.js'

/** What a run looked like over time: enough to draw it, on top of the summary figures. */
export interface SimTrace {
  /** One per scripted message, in send order. */
  messages: Array<{
    /** When it was due, in ms after the first send. */
    dueMs: number
    /** Send → delivered; null when it was not delivered. */
    latencyMs: number | null
    /** The sender's first message to this recipient (finds the peer, sets up the session). */
    firstContact: boolean
  }>
  /** RSS of the process that ran the script (and, without workers, every engine), in ms after the engines started. */
  rss: Array<{ atMs: number, bytes: number }>
}

/** The file `--report` writes: the summary and the trace, as one document. */
export interface SimReport {
  result: SimResult
  trace: SimTrace
}

export function traceMessages (records: readonly MessageRecord[], dueMs: (index: number) => number): SimTrace['messages'] {
  const isFirst = firstContacts(records)
  return records.map((record, index) => ({ dueMs: dueMs(index), latencyMs: record.latencyMs ?? null, firstContact: isFirst[index] }))
}

const WIDTH = 720
const HEIGHT = 260
const MARGIN = { left: 64, right: 16, top: 16, bottom: 40 }
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom
const COLORS = { first: '#c2410c', later: '#1d4ed8', line: '#0f766e', grid: '#d4d4d8' }

/**
 * A self-contained HTML page: the summary lines and three plots drawn as
 * inline SVG (latency distribution, latency over the run, memory over the
 * run). No script and nothing fetched, so it opens anywhere, offline.
 */
export function renderReportHtml (report: SimReport, summaryLines: readonly string[]): string {
  const { result, trace } = report
  const delivered = trace.messages.filter((m): m is typeof m & { latencyMs: number } => m.latencyMs != null)
  const sorted = delivered.map(m => m.latencyMs).sort((a, b) => a - b)
  const plots = [
    section('Latency distribution', 'Share of delivered messages (y) delivered within a time (x).', cdfPlot(sorted)),
    section('Latency over the run', `Each dot is a message, at the time it was due. Orange: a sender's first message to a recipient; blue: later ones. Undelivered messages are not drawn (${trace.messages.length - delivered.length}).`, scatterPlot(delivered)),
    section('Memory', result.workers > 1
      ? 'RSS of the main process (the relay and the script; the engines ran in worker processes).'
      : 'RSS of this process, which ran the relay and every engine.', rssPlot(trace.rss))
  ]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>parley sim: ${result.nodes} nodes, ${result.messages} messages</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 760px; color: #18181b; }
pre { background: #f4f4f5; padding: 0.75rem; overflow-x: auto; }
svg { display: block; margin: 0.5rem 0 1.5rem; }
svg text { font: 11px system-ui, sans-serif; fill: #3f3f46; }
</style>
</head>
<body>
<h1>parley sim: ${result.ok ? 'every message delivered once' : 'messages lost'}</h1>
<pre>${escapeHtml(summaryLines.join('\n'))}</pre>
${plots.join('\n')}
</body>
</html>
`
}

function section (title: string, caption: string, svg: string): string {
  return `<h2>${escapeHtml(title)}</h2>\n<p>${escapeHtml(caption)}</p>\n${svg}`
}

function cdfPlot (sorted: readonly number[]): string {
  if (sorted.length === 0) return '<p>Nothing was delivered.</p>'
  const xMax = niceCeiling(sorted[sorted.length - 1])
  const points = sorted.map((v, i) => [x(v, xMax), y((i + 1) / sorted.length, 1)] as const)
  return svg(axes(xMax, 'ms', 1, '', v => `${Math.round(v * 100)}%`) +
    `<polyline fill="none" stroke="${COLORS.line}" stroke-width="1.5" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`)
}

function scatterPlot (delivered: ReadonlyArray<{ dueMs: number, latencyMs: number, firstContact: boolean }>): string {
  if (delivered.length === 0) return '<p>Nothing was delivered.</p>'
  const xMax = niceCeiling(Math.max(...delivered.map(m => m.dueMs)) / 1000)
  const yMax = niceCeiling(Math.max(...delivered.map(m => m.latencyMs)))
  const dots = delivered.map(m =>
    `<circle cx="${x(m.dueMs / 1000, xMax).toFixed(1)}" cy="${y(m.latencyMs, yMax).toFixed(1)}" r="1.6" fill="${m.firstContact ? COLORS.first : COLORS.later}"/>`)
  return svg(axes(xMax, 's', yMax, 'ms', v => String(Math.round(v))) + dots.join(''))
}

function rssPlot (rss: ReadonlyArray<{ atMs: number, bytes: number }>): string {
  if (rss.length < 2) return '<p>Too few samples.</p>'
  const xMax = niceCeiling(rss[rss.length - 1].atMs / 1000)
  const yMax = niceCeiling(Math.max(...rss.map(s => s.bytes)) / 2 ** 20)
  const points = rss.map(s => `${x(s.atMs / 1000, xMax).toFixed(1)},${y(s.bytes / 2 ** 20, yMax).toFixed(1)}`)
  return svg(axes(xMax, 's', yMax, 'MiB', v => String(Math.round(v))) +
    `<polyline fill="none" stroke="${COLORS.line}" stroke-width="1.5" points="${points.join(' ')}"/>`)
}

function svg (content: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">${content}</svg>`
}

/** Four gridlines on each axis, labelled; `xUnit`/`yUnit` name the axes. */
function axes (xMax: number, xUnit: string, yMax: number, yUnit: string, yLabel: (v: number) => string): string {
  const parts: string[] = []
  for (let i = 0; i <= 4; i++) {
    const xv = (xMax * i) / 4
    const yv = (yMax * i) / 4
    const px = x(xv, xMax)
    const py = y(yv, yMax)
    parts.push(`<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + PLOT_H}" stroke="${COLORS.grid}"/>`)
    parts.push(`<text x="${px}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${escapeHtml(formatTick(xv))}</text>`)
    parts.push(`<line x1="${MARGIN.left}" y1="${py}" x2="${MARGIN.left + PLOT_W}" y2="${py}" stroke="${COLORS.grid}"/>`)
    parts.push(`<text x="${MARGIN.left - 6}" y="${py + 4}" text-anchor="end">${escapeHtml(yLabel(yv))}</text>`)
  }
  parts.push(`<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 6}" text-anchor="middle">${escapeHtml(xUnit)}</text>`)
  if (yUnit !== '') parts.push(`<text x="14" y="${MARGIN.top + PLOT_H / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + PLOT_H / 2})">${escapeHtml(yUnit)}</text>`)
  return parts.join('')
}

function x (value: number, max: number): number {
  return MARGIN.left + (max === 0 ? 0 : (value / max) * PLOT_W)
}

function y (value: number, max: number): number {
  return MARGIN.top + PLOT_H - (max === 0 ? 0 : (value / max) * PLOT_H)
}

/** The smallest 1, 2 or 5 × 10^k at or above `value` (and above 0), so ticks land on round numbers. */
export function niceCeiling (value: number): number {
  if (!(value > 0)) return 1
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude
  return 10 * magnitude
}

function formatTick (value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

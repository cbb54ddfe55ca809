import { describe, expect, it } from 'vitest'
import { niceCeiling, renderReportHtml, traceMessages } from '../../../core/sim/report.js'
import type { SimReport } from '../../../core/sim/report.js'
import type { MessageRecord, SimResult } from '../../../core/sim/scenario.js'

const result = {
  nodes: 3,
  messages: 4,
  workers: 1,
  ok: false
} as const satisfies Partial<SimResult>

function report (messages: SimReport['trace']['messages']): SimReport {
  return {
    result: result as unknown as SimResult,
    trace: { messages, rss: [{ atMs: 0, bytes: 100 * 2 ** 20 }, { atMs: 5000, bytes: 180 * 2 ** 20 }] }
  }
}

describe('sim report', () => {
  it('traces each message at its due time, marking a sender\'s first message to each recipient', () => {
    const records: MessageRecord[] = [
      { from: 0, to: 1, latencyMs: 50, received: 1 },
      { from: 0, to: 1, latencyMs: 5, received: 1 },
      { from: 1, to: 0, received: 0 },
      { from: 1, to: 0, latencyMs: 7, received: 1 }
    ]
    expect(traceMessages(records, i => i * 40)).toEqual([
      { dueMs: 0, latencyMs: 50, firstContact: true },
      { dueMs: 40, latencyMs: 5, firstContact: false },
      { dueMs: 80, latencyMs: null, firstContact: true },
      { dueMs: 120, latencyMs: 7, firstContact: false }
    ])
  })

  it('rounds axis maxima up to 1, 2 or 5 × 10^k', () => {
    expect([0, -3, Number.NaN, 0.3, 1, 1.2, 3, 7, 10, 11, 480, 2001].map(niceCeiling)).toEqual([1, 1, 1, 0.5, 1, 2, 5, 10, 10, 20, 500, 5000])
  })

  it('is one self-contained page: the summary escaped, a plot per figure, no script, nothing fetched', () => {
    const html = renderReportHtml(report([
      { dueMs: 0, latencyMs: 120, firstContact: true },
      { dueMs: 40, latencyMs: 8, firstContact: false },
      { dueMs: 80, latencyMs: null, firstContact: false }
    ]), ['delivered 2/3', '<script>alert(1)</script> & more'])
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; more')
    expect(html).not.toMatch(/<script|src=|href=/i)
    expect(html).toContain("default-src 'none'")
    expect(html.match(/<svg /g)).toHaveLength(3)
    // Two delivered messages: two dots, coloured by kind; the lost one is counted, not drawn.
    expect(html.match(/<circle /g)).toHaveLength(2)
    expect(html).toContain('Undelivered messages are not drawn (1)')
    expect(html).toContain('messages lost')
  })

  it('says so instead of plotting when nothing was delivered', () => {
    const html = renderReportHtml(report([{ dueMs: 0, latencyMs: null, firstContact: true }]), [])
    expect(html.match(/Nothing was delivered/g)).toHaveLength(2)
    expect(html.match(/<svg /g)).toHaveLength(1)
  })
})

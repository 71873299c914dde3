/**
 * Turns a directory of sitting results (bench/sitting.sh) into the Markdown tables of
 * docs/benchmarks.md.
 *
 *   node bench/report.ts bench-results
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepResult } from './lib/run.ts';

const dir = process.argv[2] ?? 'bench-results';
const read = (f: string): Record<string, unknown> | undefined => {
  try {
    const text = readFileSync(join(dir, f), 'utf8').trim().split('\n').filter((l) => l.startsWith('{')).pop();
    return text ? JSON.parse(text) as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
};
const n = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '—' : Math.round(x).toLocaleString('en-US'));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

for (const shape of ['irc-1x500x5', 'irc-10x100x10', 'ws-1x500x5', 'ws-10x100x10']) {
  const rows = files.filter((f) => f.startsWith(`${shape}-`));
  if (!rows.length) continue;
  console.log(`\n### ${shape}\n`);
  console.log('| server | max sustainable deliveries/s (msg/s per sender) | at max: p50 / p99 ms, server CPU, RSS | at ≈ half: deliveries/s, p50 / p99 / max ms, server CPU, loop lag p99 | RSS idle → connected | first failing step | load avg |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const f of rows) {
    const r = read(f);
    if (!r) { console.log(`| ${f} | (no result) | | | | | |`); continue; }
    const steps = r.steps as StepResult[];
    const best = r.best as StepResult | undefined;
    const ok = steps.filter((s) => s.sustainable);
    const half = best ? ok.reduce<StepResult | undefined>((a, s) => (!a || Math.abs(s.deliveriesPerSec - best.deliveriesPerSec / 2) < Math.abs(a.deliveriesPerSec - best.deliveriesPerSec / 2) ? s : a), undefined) : undefined;
    const fail = steps.find((s) => !s.sustainable);
    const sat = best?.generator.saturated ? ' (generator saturated)' : '';
    console.log(`| ${String(r.server)} | **${n(r.maxSustainableDeliveriesPerSec as number)}**${best ? ` (${best.ratePerSender})` : ''}${sat} | ${best ? `${best.latencyMs.p50} / ${best.latencyMs.p99}, ${best.server?.cpuPct ?? '—'} %, ${best.server?.rssMbPeak ?? '—'} MB` : '—'} | ${half ? `${n(half.deliveriesPerSec)}: ${half.latencyMs.p50} / ${half.latencyMs.p99} / ${half.latencyMs.max}, ${half.server?.cpuPct ?? '—'} %, ${half.server?.eventLoopLagMs?.p99 ?? '—'} ms` : '—'} | ${String(r.serverRssIdleMb ?? '—')} → ${String(r.serverRssConnectedMb ?? '—')} MB | ${fail ? `${fail.ratePerSender}/s: ${fail.verdict}` : '—'} | ${best?.loadAvg ?? steps[0]?.loadAvg ?? ''} |`);
  }
}

const idle = files.filter((f) => f.startsWith('idle-'));
if (idle.length) {
  console.log('\n### idle connections\n');
  console.log('| server | proto | registered / 19,500 | timed out | failed | still open after hold | all registered in | server RSS before → after | per connection | server CPU | load avg |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const f of idle) {
    const r = read(f) as { target: string; store?: string; proto: string; registered: number; conns: number; timedOut: number; unfinished: number; failed: Record<string, number>; stillOpenAfterHold: number; allRegisteredMs: number; server?: { rssBeforeMb: number; rssAfterMb: number; kbPerConn: number; cpuSec: number }; loadAvg: { before: string }; aborted?: string } | undefined;
    if (!r) { console.log(`| ${f} | (no result) |`); continue; }
    console.log(`| ${r.target}${r.store ? ` (${r.store})` : ''} | ${r.proto} | ${n(r.registered)} | ${r.timedOut}${r.unfinished ? ` (+${r.unfinished} unfinished)` : ''} | ${JSON.stringify(r.failed)}${r.aborted ? ` aborted: ${r.aborted}` : ''} | ${n(r.stillOpenAfterHold)} | ${(r.allRegisteredMs / 1000).toFixed(1)} s | ${r.server?.rssBeforeMb} → ${r.server?.rssAfterMb} MB | ${r.server?.kbPerConn} KB | ${r.server?.cpuSec} s | ${r.loadAvg.before} |`);
  }
}
const storm = read('login-storm.json') as { registered: number; conns: number; timedOut: number; unfinished: number; failed: Record<string, number>; allRegisteredMs: number; registerMs: { p50: number; p99: number; max: number }; clientBytesReceived: number; bytesPerConn: number; server?: { rssPeakMb: number; cpuSec: number }; loadAvg: { before: string } } | undefined;
if (storm) {
  console.log('\n### login storm\n');
  console.log('| logged in / 10,000 | timed out / unfinished | failed | time | login p50 / p99 / max | bytes received (per login) | server CPU | server peak RSS | load avg |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| ${n(storm.registered)} | ${storm.timedOut} / ${storm.unfinished} | ${JSON.stringify(storm.failed)} | ${(storm.allRegisteredMs / 1000).toFixed(1)} s | ${(storm.registerMs.p50 / 1000).toFixed(1)} / ${(storm.registerMs.p99 / 1000).toFixed(1)} / ${(storm.registerMs.max / 1000).toFixed(1)} s | ${(storm.clientBytesReceived / 1e6).toFixed(0)} MB (${n(storm.bytesPerConn)}) | ${storm.server?.cpuSec} s | ${storm.server?.rssPeakMb} MB | ${storm.loadAvg.before} |`);
}

import type { JournalStep } from '../shared/history/run-journal';
import { formatDuration } from './text-output';

/** The step name column, and the duration column after the axis. */
const NAME_WIDTH = 17;
const DURATION_WIDTH = 8;
/** Narrower than this there is no axis worth drawing. */
const MIN_AXIS = 20;
/** Past 120 columns the picture does not grow: a run reads the same on a wide terminal. */
const MAX_WIDTH = 120;

/** The restores whose end is when traffic was back. */
const RESTORES = new Set(['stage-rollback', 'full-rollback']);

/** A tick interval a person reads: 1, 2, 5, 10… seconds (or ms), about every 10 columns. */
function tickInterval(spanMs: number, columns: number): number {
  const target = spanMs / Math.max(1, Math.floor(columns / 10));
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  return steps.find((step) => step >= target) ?? steps.at(-1)!;
}

/**
 * A run on a time axis, for `show` and the end of a drill: each step a bar from its start to its end
 * (at least one cell), validation rounds as ticks with the verdict at the end (✓ recovered, ✗ not,
 * ? no verdict), the alarm's firing (▼, when the step says when) and the traffic restore (▲, the
 * end of the restore that moved traffic) marked below, durations labelled — within `columns` (80
 * and up; never past 120). Only the latest run's steps, when several runs wrote on the record. Pure.
 */
export function renderRunPicture(timeline: readonly JournalStep[], columns: number): string[] {
  const lastRun = timeline.findLast((step) => step.step === 'claim')?.runId ?? timeline.at(-1)?.runId;
  const steps = timeline.filter((step) => step.runId === lastRun);
  if (steps.length === 0) return [];
  const width = Math.min(columns, MAX_WIDTH);
  const axis = width - NAME_WIDTH - DURATION_WIDTH - 1;
  if (axis < MIN_AXIS) return [];
  const claim = steps.find((step) => step.step === 'claim');
  const alarmFiredAt = claim?.step === 'claim' && claim.facts.alarmFiredAt ? Date.parse(claim.facts.alarmFiredAt) : undefined;
  // From the alarm's firing, when the claim says when: the wait before the claim is part of the outage.
  const start = Math.min(...steps.map((step) => Date.parse(step.at)), ...(alarmFiredAt !== undefined ? [alarmFiredAt] : []));
  const end = Math.max(...steps.map((step) => Date.parse(step.at) + step.durationMs));
  const span = Math.max(1, end - start);
  const column = (at: number) => Math.min(axis - 1, Math.floor(((at - start) / span) * axis));

  const rows = steps.map((step) => {
    const from = column(Date.parse(step.at));
    const to = Math.max(from, column(Date.parse(step.at) + step.durationMs));
    const cells = Array<string>(axis).fill(' ');
    if (step.step === 'stage-validation' || step.step === 'full-validation') {
      const { facts } = step;
      const rounds = Math.max(1, facts.rounds ?? 1);
      for (let cell = from; cell <= to; cell += 1) cells[cell] = '─';
      // Rounds spread over the step's span (the journal keeps their count, not each one's time).
      for (let round = 1; round < rounds; round += 1) cells[from + Math.round(((to - from) * round) / rounds)] = '┼';
      const verdict = facts.verdict ?? (facts.passed ? 'recovered' : 'not_recovered');
      cells[to] = verdict === 'recovered' ? '✓' : verdict === 'not_recovered' ? '✗' : '?';
    } else {
      for (let cell = from; cell <= to; cell += 1) cells[cell] = step.outcome === 'failed' ? '▓' : '█';
    }
    const name = step.step.length > NAME_WIDTH - 1 ? `${step.step.slice(0, NAME_WIDTH - 2)}…` : step.step;
    return `${name.padEnd(NAME_WIDTH)}${cells.join('')} ${formatDuration(step.durationMs).padStart(DURATION_WIDTH - 1)}`;
  });

  // The axis: a tick label every few columns, from 0 at the first step.
  const interval = tickInterval(span, axis);
  const scale = Array<string>(axis).fill(' ');
  for (let at = 0; at <= span; at += interval) {
    const label = at === 0 ? '0' : formatDuration(at).replace(' ', '');
    const cell = column(start + at);
    if (cell + label.length > axis || scale.slice(Math.max(0, cell - 1), cell + label.length + 1).some((character) => character !== ' ')) continue;
    for (const [offset, character] of [...label].entries()) scale[cell + offset] = character;
  }

  // Below: when the alarm fired (if the claim says) and when traffic was back (the restore that moved it).
  const marks = Array<string>(axis).fill(' ');
  const legend: string[] = [];
  if (alarmFiredAt !== undefined) {
    marks[column(alarmFiredAt)] = '▼';
    legend.push('▼ alarm fired');
  }
  const restore = steps.find((step) => RESTORES.has(step.step) && step.outcome !== 'failed');
  if (restore) {
    const restoredAt = Date.parse(restore.at) + restore.durationMs;
    // Beside the alarm's mark when they fall in one cell: both stay readable.
    const cell = column(restoredAt);
    marks[marks[cell] === ' ' ? cell : Math.min(axis - 1, cell + 1)] = '▲';
    legend.push(`▲ traffic restored ${alarmFiredAt !== undefined ? `${formatDuration(restoredAt - alarmFiredAt)} after the alarm` : `at ${formatDuration(restoredAt - start)}`}`);
  }
  const picture = [`${'run'.padEnd(NAME_WIDTH)}${scale.join('').trimEnd()}`, ...rows];
  if (legend.length > 0) picture.push(`${''.padEnd(NAME_WIDTH)}${marks.join('').trimEnd()}`, `${''.padEnd(NAME_WIDTH)}${legend.join('   ')}`);
  picture.push(`${''.padEnd(NAME_WIDTH)}█ step  ▓ failed  ┼ round  ✓ recovered  ✗ not  ? no verdict`.slice(0, width));
  return picture.map((line) => line.trimEnd());
}

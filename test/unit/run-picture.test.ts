import { describe, expect, it } from 'vitest';
import { renderRunPicture } from '../../cli/run-picture';
import type { JournalStep } from '../../shared/history/run-journal';

const T = Date.parse('2026-12-06T10:00:00.000Z');
const at = (ms: number) => new Date(T + ms).toISOString();
const base = { runId: 'r1', detail: 'x' };
const timeline = [
  { ...base, step: 'claim', at: at(0), outcome: 'info', durationMs: 40, facts: { invocationId: 'i', mode: 'automatic', environment: 'production', fromDeploymentId: 'd2', fromVersion: '1.4.1', toDeploymentId: 'd1', toVersion: '1.3.0', reason: 'alarm', alarmFiredAt: at(-20_000) } },
  { ...base, step: 'stage-rollback', at: at(40), outcome: 'ok', durationMs: 900, facts: { environments: [] } },
  { ...base, step: 'stage-validation', at: at(1_000), outcome: 'failed', durationMs: 30_000, facts: { passed: false, rounds: 3, verdict: 'not_recovered' } },
  { ...base, step: 'full-scope', at: at(31_000), outcome: 'info', durationMs: 60, facts: { entries: [], left: [] } },
  { ...base, step: 'full-rollback', at: at(31_100), outcome: 'ok', durationMs: 1_400, facts: { environments: [] } },
  { ...base, step: 'full-validation', at: at(32_600), outcome: 'ok', durationMs: 40_000, facts: { passed: true, rounds: 4, verdict: 'recovered' } },
  { ...base, step: 'complete', at: at(72_700), outcome: 'ok', durationMs: 30, facts: { outcome: 'rolled_back', level: 'full', reason: 'r', deploymentIds: [] } },
  { ...base, step: 'notify', at: at(72_800), outcome: 'ok', durationMs: 120, facts: { type: 'rollback_result', severity: 'warning', delivery: 'published' } },
] as JournalStep[];

describe('the picture of a run on a time axis', () => {
  it('draws each step from its start to its end, validation rounds as ticks with their verdict, the alarm and the traffic restore marked, within 80 columns', () => {
    const picture = renderRunPicture(timeline, 80);

    expect(picture).toEqual([
      'run              0                30s              1m00s',
      'claim                       █                                              40ms',
      'stage-rollback              ██                                            900ms',
      'stage-validation             ──────┼────┼─────✗                             30s',
      'full-scope                                    █                            60ms',
      'full-rollback                                 ██                             1s',
      'full-validation                                ──────┼─────┼────┼─────✓     40s',
      'complete                                                              █    30ms',
      'notify                                                                █   120ms',
      '                 ▼           ▲',
      '                 ▼ alarm fired   ▲ traffic restored 21s after the alarm',
      '                 █ step  ▓ failed  ┼ round  ✓ recovered  ✗ not  ? no verdict',
    ]);
    expect(Math.max(...picture.map((line) => [...line].length))).toBeLessThanOrEqual(80);
  });

  it('uses the room of a 120-column terminal, and no more on a wider one', () => {
    const picture = renderRunPicture(timeline, 120);

    expect(picture).toEqual([
      'run              0              15s            30s            45s            1m00s          1m15s',
      'claim                                █                                                                             40ms',
      'stage-rollback                       ██                                                                           900ms',
      'stage-validation                      ──────────┼─────────┼─────────✗                                               30s',
      'full-scope                                                          █                                              60ms',
      'full-rollback                                                       ███                                              1s',
      'full-validation                                                       ──────────┼─────────┼─────────┼─────────✓     40s',
      'complete                                                                                                      █    30ms',
      'notify                                                                                                        █   120ms',
      '                 ▼                    ▲',
      '                 ▼ alarm fired   ▲ traffic restored 21s after the alarm',
      '                 █ step  ▓ failed  ┼ round  ✓ recovered  ✗ not  ? no verdict',
    ]);
    expect(renderRunPicture(timeline, 200)).toEqual(picture);
  });

  it('draws only the latest run when several wrote on the record, and nothing where no axis fits', () => {
    const earlier = timeline.map((step) => ({ ...step, runId: 'r0', at: new Date(Date.parse(step.at) - 3_600_000).toISOString() })) as JournalStep[];

    expect(renderRunPicture([...earlier, ...timeline], 80)).toEqual(renderRunPicture(timeline, 80));
    expect(renderRunPicture(timeline, 40)).toEqual([]);
    expect(renderRunPicture([], 80)).toEqual([]);
  });
});

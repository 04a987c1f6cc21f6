import { describe, expect, it } from 'vitest';
import { judgeAlarmDatapoints, judgeAlarmState, judgeComposite, type AlarmRule, type Datapoint } from '../../shared/validation/evidence/alarm-judge';
import { sequentialErrorRateTest } from '../../shared/validation/evidence/error-rate-test';
import { combineVerdicts, type Evidence } from '../../shared/validation/evidence/evidence';
import { judgeTraffic } from '../../shared/validation/evidence/traffic-judge';

const MINUTE = 60_000;
/** 5xx count per minute, ALARM at >= 5 on 3 of 3 datapoints: the demo's API alarm. */
const errors60x3: AlarmRule = { name: 'api-5xx', threshold: 5, comparison: 'GreaterThanOrEqualToThreshold', periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 3 };
/** The same on 10 s periods, 2 of 3. */
const errors10x3: AlarmRule = { ...errors60x3, periodSeconds: 10, datapointsToAlarm: 2 };
const restoredAt = Date.parse('2026-12-06T10:00:00.000Z');
/** Datapoints for the periods starting at the restore, one per period, `undefined` for a period without data. */
const series = (rule: AlarmRule, values: (number | undefined)[], from = restoredAt): Datapoint[] =>
  values.flatMap((value, index) => (value === undefined ? [] : [{ at: from + index * rule.periodSeconds * 1_000, value }]));
const at = (rule: AlarmRule, periods: number, plusMs = 0) => restoredAt + periods * rule.periodSeconds * 1_000 + plusMs;

describe('an alarm judged on its own datapoints after the restore', () => {
  it.each<[string, AlarmRule, (number | undefined)[], number, Partial<Evidence>]>([
    ['recovered: one clean minute is its recovery rule (3 of 3 → 1 clean period)', errors60x3, [0], at(errors60x3, 1), { verdict: 'recovered', datapoints: 1, decidedAt: '2026-12-06T10:01:00.000Z' }],
    ['still bad: the first complete minute after the restore breaches', errors60x3, [12], at(errors60x3, 1, 5_000), { verdict: 'not_recovered', datapoints: 1, decidedAt: '2026-12-06T10:01:00.000Z' }],
    ['still bad on 10 s periods, within one period', errors10x3, [9], at(errors10x3, 1), { verdict: 'not_recovered' }],
    ['recovered on 10 s periods, 2 of 3: two clean periods', errors10x3, [0, 1], at(errors10x3, 2), { verdict: 'recovered', datapoints: 2 }],
    ['not yet: one of the two clean periods it needs', errors10x3, [0], at(errors10x3, 1), { verdict: 'inconclusive', datapoints: 1 }],
    ['no traffic: three minutes without a datapoint is no evidence', errors60x3, [undefined, undefined, undefined], at(errors60x3, 3), { verdict: 'inconclusive', datapoints: 0 }],
    ['gaps: clean datapoints around a missing one count, the missing one does not', errors10x3, [0, undefined, 0], at(errors10x3, 3), { verdict: 'recovered', datapoints: 2 }],
    ['flapping: one breach after clean periods is not recovered yet, and not failed (its rule needs 2 of 3)', errors10x3, [0, 0, 7], at(errors10x3, 3), { verdict: 'inconclusive' }],
    ['still bad later: its own rule (2 of the last 3) breaching after a clean first period', errors10x3, [0, 7, 8], at(errors10x3, 3), { verdict: 'not_recovered', decidedAt: '2026-12-06T10:00:30.000Z' }],
    ['the period the restore fell in does not count (it mixes in the bad version)', errors60x3, [], at(errors60x3, 1), { verdict: 'inconclusive' }],
    ['an incomplete period does not count yet', errors60x3, [0], at(errors60x3, 0, 59_000), { verdict: 'inconclusive', datapoints: 0 }],
  ])('%s', (_, rule, values, now, expected) => {
    expect(judgeAlarmDatapoints(rule, series(rule, values), { restoredAt, now })).toMatchObject({ check: `alarm ${rule.name}`, basis: 'datapoints', ...expected });
  });

  it('a single noisy datapoint among clean ones after the first period does not decide: the last clean ones do', () => {
    const points = series(errors10x3, [0, 8, 0, 0]);

    expect(judgeAlarmDatapoints(errors10x3, points, { restoredAt, now: at(errors10x3, 4) })).toMatchObject({ verdict: 'recovered', detail: expect.stringContaining('the last 2 not breaching >= 5') });
  });

  it('names the breach when the first complete period after the restore still breaches', () => {
    expect(judgeAlarmDatapoints(errors60x3, series(errors60x3, [12]), { restoredAt, now: at(errors60x3, 1) }).detail).toBe('12 for the period from 2026-12-06T10:00:00.000Z breaches its threshold (>= 5), in the first complete period after the restore');
  });

  it('ignores the datapoints before the restore, and the one for the period the restore fell in', () => {
    const midPeriod = restoredAt + 20_000;
    const points = [{ at: restoredAt - MINUTE, value: 50 }, { at: restoredAt, value: 30 }, { at: restoredAt + MINUTE, value: 0 }];

    expect(judgeAlarmDatapoints(errors60x3, points, { restoredAt: midPeriod, now: restoredAt + 2 * MINUTE })).toMatchObject({ verdict: 'recovered', datapoints: 1 });
  });

  it.each<[AlarmRule['comparison'], number, number, boolean]>([
    ['GreaterThanThreshold', 5, 5, false],
    ['GreaterThanOrEqualToThreshold', 5, 5, true],
    ['LessThanThreshold', 100, 99, true],
    ['LessThanOrEqualToThreshold', 100, 101, false],
  ])('%s %d: %d breaches → %s', (comparison, threshold, value, breaching) => {
    const rule = { ...errors60x3, comparison, threshold };

    expect(judgeAlarmDatapoints(rule, series(rule, [value]), { restoredAt, now: at(rule, 1) }).verdict).toBe(breaching ? 'not_recovered' : 'recovered');
  });

  it('counts a missing period as breaching when the alarm treats missing data so, once a later datapoint shows it was not just late', () => {
    const heartbeat: AlarmRule = { ...errors10x3, name: 'heartbeat', comparison: 'LessThanThreshold', threshold: 1, treatMissingData: 'breaching' };

    // Two missing periods of the last three: its own rule (2 of 3) would keep it in ALARM.
    expect(judgeAlarmDatapoints(heartbeat, series(heartbeat, [3, undefined, undefined, 4]), { restoredAt, now: at(heartbeat, 4) })).toMatchObject({ verdict: 'not_recovered', detail: expect.stringContaining('treats as breaching') });
    // One missing period is not enough by its rule.
    expect(judgeAlarmDatapoints(heartbeat, series(heartbeat, [3, undefined, 4]), { restoredAt, now: at(heartbeat, 3) }).verdict).toBe('recovered');
    expect(judgeAlarmDatapoints(heartbeat, series(heartbeat, [3, 2]), { restoredAt, now: at(heartbeat, 3) }).verdict).toBe('recovered');
  });
});

describe('an alarm judged by state, where its data cannot be reproduced', () => {
  it.each<['OK' | 'ALARM' | 'INSUFFICIENT_DATA', number, string]>([
    ['OK', 200_000, 'recovered'],
    ['OK', 60_000, 'inconclusive'],
    ['ALARM', 200_000, 'not_recovered'],
    ['ALARM', 60_000, 'inconclusive'],
    ['INSUFFICIENT_DATA', 200_000, 'inconclusive'],
  ])('%s %d ms after the restore (recovery window 120 s) → %s, marked as judged by state', (state, since, verdict) => {
    const evidence = judgeAlarmState({ name: 'band', state, recoveryWindowMs: 120_000 }, since, 'an anomaly band');

    expect(evidence).toMatchObject({ verdict, basis: 'state', detail: expect.stringContaining('judged by state') });
  });
});

describe('a composite alarm judged on its children', () => {
  const child = (name: string, verdict: Evidence['verdict']): [string, Evidence] => [name, { check: `alarm ${name}`, verdict, detail: '', datapoints: verdict === 'inconclusive' ? 0 : 2, basis: 'datapoints' }];

  it.each<[string, string, [string, Evidence][], Evidence['verdict']]>([
    ['OR, one child still bad', 'ALARM(api-5xx) OR ALARM(latency)', [child('api-5xx', 'not_recovered'), child('latency', 'recovered')], 'not_recovered'],
    ['OR, both recovered', 'ALARM(api-5xx) OR ALARM(latency)', [child('api-5xx', 'recovered'), child('latency', 'recovered')], 'recovered'],
    ['OR, one unknown and one recovered', 'ALARM(api-5xx) OR ALARM(latency)', [child('api-5xx', 'inconclusive'), child('latency', 'recovered')], 'inconclusive'],
    ['AND, one recovered decides it though the other is unknown', 'ALARM("api-5xx") AND ALARM(\'latency\')', [child('api-5xx', 'recovered'), child('latency', 'inconclusive')], 'recovered'],
    ['AND NOT a suppressor', 'ALARM(api-5xx) AND NOT ALARM(maintenance)', [child('api-5xx', 'not_recovered'), child('maintenance', 'recovered')], 'not_recovered'],
    ['a child named by its ARN', 'ALARM(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx)', [child('api-5xx', 'recovered')], 'recovered'],
    ['parentheses and OK()', '(ALARM(a) OR ALARM(b)) AND OK(c)', [child('a', 'not_recovered'), child('b', 'recovered'), child('c', 'recovered')], 'not_recovered'],
    ['a child never read', 'ALARM(api-5xx)', [], 'inconclusive'],
  ])('%s → %s', (_, rule, children, verdict) => {
    expect(judgeComposite('checkout-degraded', rule, new Map(children))).toMatchObject({ check: 'alarm checkout-degraded', verdict });
  });
});

describe('the sequential error-rate test', () => {
  it.each<[string, { errors: number; invocations: number }, number, string]>([
    ['many invocations at the baseline rate: no worse', { errors: 5, invocations: 2_000 }, 0.002, 'not_worse'],
    ['a rate well above the baseline: worse', { errors: 40, invocations: 1_000 }, 0.002, 'worse'],
    ['a handful of invocations: cannot tell yet', { errors: 0, invocations: 20 }, 0.002, 'undecided'],
    ['no invocations: no evidence', { errors: 0, invocations: 0 }, 0.002, 'undecided'],
    ['a clean baseline of zero, three errors in 50: worse', { errors: 3, invocations: 50 }, 0, 'worse'],
    ['a clean baseline of zero, two errors in 50: not enough to say', { errors: 2, invocations: 50 }, 0, 'undecided'],
  ])('%s', (_, observed, baseline, decision) => {
    expect(sequentialErrorRateTest(observed, baseline).decision).toBe(decision);
  });
});

describe('the traffic after a Lambda alias restore', () => {
  const policy = { minimumIncrease: 0.01, alpha: 0.01, beta: 0.01 };
  const reading = (afterRestore: Partial<{ badInvocations: number; goodInvocations: number; goodErrors: number; periods: number }>, baseline = { invocations: 10_000, errors: 20 }) => ({
    function: 'shop-api',
    afterRestore: { badInvocations: 0, goodInvocations: 0, goodErrors: 0, periods: 2, ...afterRestore },
    baseline,
  });

  it.each<[string, ReturnType<typeof reading>, Evidence['verdict'], string]>([
    ['the bad version still serving', reading({ badInvocations: 3, goodInvocations: 900 }), 'not_recovered', 'the bad version still served 3 invocation(s) after the restore'],
    ['no invocations at all', reading({}), 'inconclusive', 'no invocations in 2 minute(s) since the restore: no traffic is no evidence'],
    ['the known good at its own rate', reading({ goodInvocations: 3_000, goodErrors: 6 }), 'recovered', 'no worse'],
    ['the known good worse than its own rate', reading({ goodInvocations: 1_000, goodErrors: 60 }), 'not_recovered', 'worse by at least 1.0%'],
    ['low traffic', reading({ goodInvocations: 30, goodErrors: 0 }), 'inconclusive', 'too few invocations to tell yet'],
  ])('%s → %s', (_, traffic, verdict, detail) => {
    expect(judgeTraffic(traffic, policy)).toMatchObject({ check: 'traffic shop-api', verdict, basis: 'traffic', detail: expect.stringContaining(detail) });
  });
});

describe('several pieces of evidence', () => {
  it.each<[Evidence['verdict'][], Evidence['verdict']]>([
    [['recovered', 'recovered'], 'recovered'],
    [['recovered', 'inconclusive'], 'inconclusive'],
    [['inconclusive', 'not_recovered'], 'not_recovered'],
    [[], 'inconclusive'],
  ])('%j → %s', (verdicts, combined) => {
    expect(combineVerdicts(verdicts)).toBe(combined);
  });
});

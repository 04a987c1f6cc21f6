import { describe, expect, it } from 'vitest';
import type { EnvironmentHead } from '../../shared/history/environment-head';
import { isReadinessDue, notReadyNotification, READINESS_INTERVAL_MS } from '../../shared/rollback/readiness';

const now = new Date('2026-11-23T12:00:00.000Z');
const live = { deploymentId: 'p-140', version: '1.4.0', since: '2026-11-23T08:00:00.000Z', cause: 'deployed' as const, targets: {} };
const report = { checkedAt: '2026-11-23T11:30:00.000Z', liveDeploymentId: 'p-140', liveSince: live.since, ready: true, problems: [], drift: [] };
const head = (extra: Partial<EnvironmentHead>): EnvironmentHead => ({ control: { environment: 'production', events: [] }, rollbacks: [], ...extra });

describe('isReadinessDue', () => {
  it.each<[string, EnvironmentHead | undefined, boolean]>([
    ['no head yet', undefined, true],
    ['never checked', head({ live }), true],
    ['checked for this live deployment half an hour ago', head({ live, readiness: report }), false],
    ['something else went live since', head({ live: { ...live, deploymentId: 'p-150', since: '2026-11-23T11:45:00.000Z' }, readiness: report }), true],
    ['the same deployment went live again (a restore)', head({ live: { ...live, since: '2026-11-23T11:45:00.000Z' }, readiness: report }), true],
    ['checked an interval ago', head({ live, readiness: { ...report, checkedAt: new Date(now.getTime() - READINESS_INTERVAL_MS).toISOString() } }), true],
  ])('%s: %s', (_, given, due) => {
    expect(isReadinessDue(given, now)).toBe(due);
  });
});

describe('notReadyNotification', () => {
  it('is one warning naming every problem and drift, with the versions a rollback would move between', () => {
    const notification = notReadyNotification(
      'production',
      { ...report, ready: false, problems: ['lambda-alias: demo-shop-prod-api version 41: ResourceNotFoundException'], drift: ['lambda-alias serves api=99, not api=42'] },
      { activeDeployment: { deploymentId: 'p-140', version: '1.4.0' } as never, lastKnownGood: { deploymentId: 'p-130', version: '1.3.0' } as never },
    );

    expect(notification).toMatchObject({
      type: 'rollback_not_ready',
      severity: 'warning',
      fromVersion: '1.4.0',
      toVersion: '1.3.0',
      reason: 'production could not be rolled back as things stand: lambda-alias: demo-shop-prod-api version 41: ResourceNotFoundException; drift: lambda-alias serves api=99, not api=42',
    });
  });
});

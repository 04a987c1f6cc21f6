import { describe, expect, it } from 'vitest';
import { demoRestorePoints } from '../../cli/local-drill/demo-history';
import { findEnvironment, loadConfig } from '../../shared/config';
import type { DeploymentRecord } from '../../shared/history/deployment-record';
import { restoreEnvironment } from '../../shared/rollback/environment-restore';
import type { TargetDrivers } from '../../shared/targets/target-drivers';

// Pure orchestration over fake drivers: no DynamoDB, no AWS.
const config = loadConfig('rollback.config.json');
const staging = findEnvironment(config, 'staging');
const record = (version: string, number: number): DeploymentRecord =>
  ({ deploymentId: `staging-${version}`, environment: 'staging', version, status: 'succeeded', kind: 'deployment', source: 'test', startedAt: '2026-12-06T10:00:00.000Z', updatedAt: '2026-12-06T10:00:00.000Z', restorePoints: demoRestorePoints(staging, { version, number }) }) as DeploymentRecord;

describe('restoring one environment’s targets', () => {
  it('restores every traffic target at once, then the pipeline stage and the stack together, and lists each in restore order', async () => {
    const events: string[] = [];
    const releases = new Map<string, () => void>();
    const drivers: TargetDrivers = {
      driverFor: (type) => ({
        restore: () => {
          events.push(`start ${type}`);
          return new Promise((resolve) => releases.set(type, () => {
            events.push(`end ${type}`);
            resolve({ outcome: 'restored', detail: `${type} back` });
          }));
        },
        check: async () => ({ passed: true, detail: '' }),
        capture: async () => ({}),
        readiness: async () => ({ ready: true, detail: '' }),
      }),
    };

    const restoring = restoreEnvironment({ config, targets: drivers }, { environment: 'staging', fromDeploymentId: 'staging-1.4.0', toDeploymentId: 'staging-1.3.0', toVersion: '1.3.0' }, record('1.4.0', 21), record('1.3.0', 14), { runId: 'run-1', reason: 'test', simulate: false, resumed: false });
    await new Promise((resolve) => setImmediate(resolve));
    // The three traffic targets started together; the stage waits for them.
    expect(events).toEqual(['start lambda-alias', 'start route53-weighted', 'start ecs-service']);
    for (const type of ['ecs-service', 'lambda-alias', 'route53-weighted']) releases.get(type)!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.slice(3)).toEqual(['end ecs-service', 'end lambda-alias', 'end route53-weighted', 'start codepipeline-stage', 'start cloudformation-stack']);
    releases.get('codepipeline-stage')!();
    releases.get('cloudformation-stack')!();

    const restored = await restoring;
    expect(restored.targets.map((target) => [target.target, target.outcome, target.movesTraffic])).toEqual([
      ['lambda-alias', 'restored', true],
      ['route53-weighted', 'restored', true],
      ['ecs-service', 'restored', true],
      ['codepipeline-stage', 'restored', false],
      ['cloudformation-stack', 'restored', false],
    ]);
    expect(restored.verdict).toBe('restored');
  });
});

import { parseConfig, type RollbackConfig } from '../../shared/config';

/**
 * A generated organisation: `count` environments of one application, each a Lambda alias and a
 * health URL (the shape the scale issue measured), alarm prefixes that never overlap.
 */
export function rawFleetConfig(count: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    application: 'fleet',
    environments: Array.from({ length: count }, (_, index) => ({
      name: `env${index}`,
      alarms: { prefixes: [`fleet-env${index}-`] },
      targets: [{ type: 'lambda-alias', alias: 'live', functions: [`fleet-env${index}-api`] }],
      healthChecks: [{ url: `https://env${index}.fleet.example.com/health` }],
    })),
    ...extra,
  };
}

export function fleetConfig(count: number, extra: Record<string, unknown> = {}): RollbackConfig {
  return parseConfig(rawFleetConfig(count, extra));
}

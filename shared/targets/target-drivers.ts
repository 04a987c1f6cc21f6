import type { ClientFactory } from './client-factory';
import type { TargetDriver } from './target-plugin';
import { targetPlugin } from './target-registry';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTargetDriver = TargetDriver<any, any, any>;

/** The live side of each target, for one environment: AWS in the functions, twins in the sandbox. */
export interface TargetDrivers {
  driverFor(type: string, environment: string): AnyTargetDriver;
}

/** Each plugin's AWS driver, built on first use and kept for the container. */
export function awsTargetDrivers(clients: ClientFactory): TargetDrivers {
  const drivers = new Map<string, AnyTargetDriver>();
  return {
    driverFor(type) {
      let driver = drivers.get(type);
      if (!driver) {
        driver = targetPlugin(type).aws(clients);
        drivers.set(type, driver);
      }
      return driver;
    },
  };
}

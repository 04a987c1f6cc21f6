import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { TargetDrivers } from '../../targets/target-drivers';
import type { TargetLocation } from '../../targets/target-plugin';
import type { Datapoint } from '../evidence/alarm-judge';
import type { AlarmDataPlan } from '../evidence/alarm-data-plan';

/** What the validator reads, each behind a small port with one AWS (or HTTP) adapter and a sandbox twin. */

export interface AlarmObservation {
  name: string;
  type: 'metric' | 'composite';
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  /** The earliest it can return to OK after its cause is gone (read from its period and datapoints), when known. */
  recoveryWindowMs?: number;
  /** How it evaluates, for people: "period 60 s, 3 of 3 datapoints" (a composite: its slowest child). */
  shape?: string;
  /** A metric alarm: how its own datapoints are read back and judged (or why only its state can be). */
  dataPlan?: AlarmDataPlan;
  /** A composite alarm: its rule, and the alarms it names (read by name, a few levels deep). */
  rule?: string;
  children?: AlarmObservation[];
}

export interface AlarmSelection {
  prefixes: readonly string[];
  /** Where they are read: the environment's region and role (default: the validator's own account and region). */
  location?: TargetLocation;
  /** Alarms read by exact name as well (DescribeAlarms takes names or a prefix, never both in one call). */
  names: readonly string[];
}

export interface AlarmReader {
  /** Every metric and composite alarm whose name starts with one of the prefixes or is one of the names, each once. */
  readAlarms(selection: AlarmSelection): Promise<AlarmObservation[]>;
}

export interface HealthObservation {
  url: string;
  status?: number;
  /** The version read from the response's JSON field, when one was asked for. */
  version?: string;
  /** Why there is no usable answer: timeout, refused connection, unreadable body. */
  error?: string;
}

/** One health check as the validator runs it. */
export interface HealthCheckRequest {
  url: string;
  /** For the whole probe: connecting, every redirect, and reading the body. */
  timeoutMs: number;
  versionField?: string;
  /** Redirects are followed only to the same origin by default: a login page on another host answering 200 is not health. */
  followRedirects?: 'same-origin' | 'none';
}

export interface HealthProbe {
  probe(check: HealthCheckRequest): Promise<HealthObservation>;
}

/** One alarm's data to read: its queries, and which one answers it. */
export interface MetricDataRequest {
  key: string;
  queries: MetricDataQuery[];
  resultId: string;
  /** Its query ids are its own (metric math): it gets a call of its own. */
  separateCall: boolean;
  /** Where its alarm lives (its environment's region and role): read there. */
  location?: TargetLocation;
}

export interface MetricDataReader {
  /** Each request's datapoints in the window (period starts, ascending), or the error reading it. */
  read(requests: readonly MetricDataRequest[], window: { start: Date; end: Date }): Promise<Map<string, Datapoint[] | { error: string }>>;
}

/** One CloudWatch client, or the client of each place an environment lives (another account's alarms are read there). */
export type CloudWatchSource = CloudWatchClient | ((location: TargetLocation | undefined) => Promise<CloudWatchClient>);

/** The client for a place, whichever source was given. Pure. */
export function cloudWatchResolver(source: CloudWatchSource): (location: TargetLocation | undefined) => Promise<CloudWatchClient> {
  return typeof source === 'function' ? source : async () => source;
}

export interface CheckPorts {
  alarms: AlarmReader;
  /** The data behind the alarms (GetMetricData). */
  metrics: MetricDataReader;
  health: HealthProbe;
  /** Each target's read-only check of what its restore promised. */
  targets: TargetDrivers;
}

/** What one target's read-only check of one expectation found. */
export interface TargetCheckObservation {
  /** The target's check name (versions, pipeline, …). */
  check: string;
  passed: boolean;
  detail: string;
  /** It cannot pass any more (a deployment that failed). */
  isFinal?: boolean;
  /** Not passing, but not evidence of failure either (converging, or unreadable). */
  inconclusive?: boolean;
}

import type { DeploymentRecord } from '../shared/history/deployment-record';
import { describeEvidence, lastValidationStep, verdictSummary } from '../shared/history/run-journal';
import { TARGET_PLUGINS } from '../shared/targets/target-registry';

/** Plain-text columns, left-aligned, two spaces apart: readable in any terminal and in CI logs. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1_000) return `${milliseconds}ms`;
  const seconds = Math.round(milliseconds / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** "2026-11-01 12:00:00" — UTC, second precision: what a person compares against an alarm graph. */
export function formatTimestamp(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '-';
}

function elapsed(from: string | undefined, to: string | undefined): string {
  return from && to ? formatDuration(new Date(to).getTime() - new Date(from).getTime()) : '-';
}

/**
 * The last verdict of the record's rollback, explained: which check decided it and when, then each
 * piece of evidence it rested on (values, datapoints). Pure.
 */
function verdictLines(record: DeploymentRecord): [string, string | undefined][] {
  const validation = lastValidationStep(record.timeline ?? [], record.rollback?.runId);
  if (!validation) return [];
  const { level, verdict, rounds, concludedBy, decidedBy, evidence } = verdictSummary(validation);
  const decided = decidedBy ? `; ${verdict === 'inconclusive' ? 'missing' : 'decided by'} ${decidedBy.environment} ${decidedBy.check}${decidedBy.at ? ` at ${formatTimestamp(decidedBy.at)}` : ''}` : '';
  const lines: [string, string | undefined][] = [['  verdict', `${verdict} (${level} level, ${rounds} round(s)${concludedBy ? `, ${concludedBy}` : ''})${decided}`]];
  evidence.forEach((item, index) => lines.push([index === 0 ? '  evidence' : '', describeEvidence(item)]));
  return lines;
}

/** One line on what happened to a deployment's rollback, if anything. */
export function describeRollback(record: DeploymentRecord): string {
  const rollback = record.rollback;
  if (!rollback) return '';
  const target = rollback.targetVersion ? ` -> ${rollback.targetVersion}` : '';
  const level = rollback.level ? `${rollback.level}${target}${rollback.verdict === 'unverified' ? ', unverified' : ''}` : `claimed by ${rollback.runId}`;
  const why = rollback.trigger.alarmName ?? rollback.trigger.requestedBy ?? rollback.trigger.type;
  return `${level} (${why})`;
}

/** The history table; the live deployment (the head's, when given) is marked `[live]`. */
export function renderHistory(records: readonly DeploymentRecord[], liveDeploymentId?: string, columns?: number): string {
  const rows = historyRows(records, liveDeploymentId);
  // On a narrow terminal a row stays one line: SOURCE, then TOOK, give way before anything is cut.
  const tableWithout = (dropped: readonly number[]) => {
    const keep = (cells: readonly string[]) => cells.filter((_, index) => !dropped.includes(index));
    return renderTable(keep(HISTORY_COLUMNS), rows.map(keep));
  };
  const fits = (table: string) => columns === undefined || Math.max(...table.split('\n').map((line) => line.length)) <= columns;
  return [tableWithout([]), tableWithout([4])].find(fits) ?? tableWithout([4, 3]);
}

const HISTORY_COLUMNS = ['STARTED (UTC)', 'VERSION', 'STATUS', 'TOOK', 'SOURCE', 'DEPLOYMENT', 'ROLLBACK'];

/**
 * `history --output text`: one row per record, fields separated by tabs, no header, as the AWS CLI's
 * text output (for cut and awk); a tab or newline inside a field becomes a space. Pure.
 */
export function renderHistoryText(records: readonly DeploymentRecord[], liveDeploymentId?: string): string {
  return historyRows(records, liveDeploymentId)
    .map((row) => row.map((field) => field.replace(/[\t\r\n]+/g, ' ')).join('\t'))
    .join('\n');
}

function historyRows(records: readonly DeploymentRecord[], liveDeploymentId?: string): string[][] {
  return records.map((record) => [
      formatTimestamp(record.startedAt),
      record.version,
      `${record.kind === 'deployment' ? record.status : `${record.status} [${record.kind}]`}${record.irreversible ? ' [irreversible]' : ''}${record.deploymentId === liveDeploymentId ? ' [live]' : ''}`,
      elapsed(record.startedAt, record.finishedAt),
      record.source,
      record.deploymentId,
      describeRollback(record),
    ]);
}

/** One line per target restore point the deployment recorded, named and worded by its target. */
function restorePointLines(record: DeploymentRecord): [string, string][] {
  return Object.entries(record.restorePoints ?? {}).map(([type, point]) => {
    const plugin = TARGET_PLUGINS.find((candidate) => candidate.type === type);
    const parsed = plugin?.restorePointSchema.safeParse(point);
    return [type, plugin && parsed?.success ? plugin.describeRestorePoint(parsed.data) : JSON.stringify(point)];
  });
}

/** One deployment for people; `restorable` says whether automation could roll back to it (when the configuration is at hand). */
export function renderDeployment(record: DeploymentRecord, restorable?: string): string {
  const fields: [string, string | undefined][] = [
    ['deployment', record.kind === 'deployment' ? record.deploymentId : `${record.deploymentId} [${record.kind}]`],
    ['environment', record.environment],
    ['version', record.version],
    ['status', record.stageState ? `${record.status} (stage ${record.stageState})` : record.status],
    ['restores', record.restoreOf],
    ['started', formatTimestamp(record.startedAt)],
    ['finished', record.finishedAt ? `${formatTimestamp(record.finishedAt)} (took ${elapsed(record.startedAt, record.finishedAt)})` : undefined],
    ['source', record.recordedBy ? `${record.source} (${record.recordedBy})` : record.source],
    ['revision', record.sourceRevision],
    ['irreversible', record.irreversible ? `${record.irreversible} (automation never rolls back past it; rollback --force does)` : undefined],
    ['pipeline', record.pipeline ? `${record.pipeline.name} / ${record.pipeline.stage} / ${record.pipeline.executionId}` : undefined],
    ...restorePointLines(record),
    ['unknown', record.restorePointsUnknown],
    ['restorable', restorable],
  ];
  const rollback = record.rollback;
  if (rollback) {
    fields.push(
      ['rollback', describeRollback(record)],
      ['  trigger', [rollback.trigger.type, rollback.trigger.alarmName, rollback.trigger.requestedBy, rollback.trigger.verifiedBy ? `(verified: ${rollback.trigger.verifiedBy})` : undefined].filter(Boolean).join(' ')],
      ['  reason', rollback.reason],
      ['  target', rollback.targetDeploymentId ? `${rollback.targetDeploymentId} (${rollback.targetVersion ?? '?'})` : undefined],
      ['  started', formatTimestamp(rollback.startedAt)],
      ['  finished', rollback.finishedAt ? `${formatTimestamp(rollback.finishedAt)} (took ${elapsed(rollback.startedAt, rollback.finishedAt)})` : 'not yet'],
      ['  run', `${rollback.runId} (${rollback.mode}${rollback.holder ? `, driven by ${rollback.holder}` : ''}${rollback.leaseExpiresAt ? `, lease until ${formatTimestamp(rollback.leaseExpiresAt)}` : ''})`],
      ['  part of', rollback.partOf ? `the full rollback journaled on ${rollback.partOf}` : undefined],
      ['  before', rollback.previousRun ? `run ${rollback.previousRun.runId} ended ${rollback.previousRun.outcome}${rollback.previousRun.reason ? `: ${rollback.previousRun.reason}` : ''}` : undefined],
      ...verdictLines(record),
    );
  }
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.filter(([, value]) => value !== undefined && value !== '').map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  const timeline = record.timeline ?? [];
  if (timeline.length > 0) {
    lines.push('', 'timeline');
    lines.push(
      renderTable(
        ['AT (UTC)', 'STEP', 'OUTCOME', 'TOOK', 'DETAIL'],
        timeline.map((step) => [formatTimestamp(step.at), step.step, step.outcome, formatDuration(step.durationMs), step.detail ?? '']),
      ),
    );
    if (record.timelineDropped) lines.push(`(${record.timelineDropped} later steps not kept: the timeline is bounded)`);
  }
  return lines.join('\n');
}

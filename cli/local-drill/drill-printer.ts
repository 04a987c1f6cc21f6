import type { JournalStep } from '../../shared/history/run-journal';
import type { RollbackNotification } from '../../shared/notify/notifier';
import { messageFor, subjectFor } from '../../shared/notify/sns-notifier';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import type { CheckResult } from '../../shared/validation/validation-contract';
import type { CliIo } from '../cli-context';
import { cutToWidth, paint, type Colour } from '../terminal-safe';
import { formatDuration } from '../text-output';

const MARK: Record<JournalStep['outcome'], string> = { ok: paint('green', '✓'), warning: paint('yellow', '!'), failed: paint('red', '✗'), info: '•' };
/** How an outcome reads at a glance: green when it rolled back, red when it failed, yellow otherwise. */
const OUTCOME_COLOUR: Partial<Record<RollbackRunResult['outcome'], Colour>> = { rolled_back: 'green', rollback_failed: 'red', handed_over: 'yellow', skipped: 'yellow', observed: 'yellow' };
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Prints a drill for a person at 3 a.m.: each step as it lands, a spinner while validation polls. */
export class DrillPrinter {
  #spinning = false;

  constructor(
    private readonly io: CliIo,
    private readonly isQuiet: boolean,
  ) {}

  /** One line; on a terminal, each of its lines cut to the width (no wrapping pushes the verdict off screen). */
  line(text = ''): void {
    if (this.isQuiet) return;
    this.#clearSpinner();
    const width = this.io.columns;
    this.io.out(width ? text.split('\n').map((row) => cutToWidth(row, width)).join('\n') : text);
  }

  step(step: JournalStep): void {
    const head = `  ${MARK[step.outcome]} ${step.step.padEnd(17)} ${formatDuration(step.durationMs).padStart(7)}  `;
    const detail = step.detail ?? '';
    const width = this.io.columns;
    // On a terminal too narrow for it, a restore says each environment and what moved on lines of their own, wrapped, not cut.
    if (width === undefined || head.length + detail.length <= width || (step.step !== 'stage-rollback' && step.step !== 'full-rollback')) {
      this.line(`${head}${detail}`);
      return;
    }
    const environments = detail.split(' | ');
    this.line(`${head}${environments.length === 1 ? '' : `${environments.length} environments:`}`.trimEnd());
    for (const environment of environments) this.wrapped('      ', environment);
  }

  /** A line a person must read whole (the reason): on a terminal, wrapped at spaces under its label, never cut. */
  wrapped(label: string, text: string): void {
    const width = this.io.columns;
    if (!width || label.length + text.length <= width) {
      this.line(`${label}${text}`);
      return;
    }
    const room = Math.max(20, width - label.length);
    const rows: string[] = [];
    let row = '';
    for (const word of text.split(' ')) {
      if (row && row.length + 1 + word.length > room) {
        rows.push(row);
        row = word;
      } else row = row ? `${row} ${word}` : word;
    }
    if (row) rows.push(row);
    rows.forEach((each, index) => this.line(`${index === 0 ? label : ' '.repeat(label.length)}${each}`));
  }

  round(round: number, passes: number, needed: number, checks: readonly CheckResult[]): void {
    if (this.isQuiet || !this.io.liveWrite) return;
    const failing = checks.filter((check) => !check.passed).map((check) => `${check.environment} ${check.check}: ${check.detail}`);
    const state = failing.length === 0 ? `all checks pass (${passes}/${needed})` : failing.join('; ');
    this.io.liveWrite(`\r\x1b[2K  ${SPINNER[round % SPINNER.length]} validating, round ${round}: ${state}`.slice(0, 160));
    this.#spinning = true;
  }

  /** The reason, the steps that failed (cut to the terminal), and the verdict as the last line. */
  outcome(result: RollbackRunResult, sandboxMs: number, wallMs: number): void {
    const level = result.level ? ` (${result.level})` : '';
    const versions = result.fromVersion ? ` ${result.fromVersion}${result.toVersion ? ` -> ${result.toVersion}` : ''}` : '';
    if (result.reason) this.wrapped('reason:  ', result.reason);
    for (const failed of result.timeline.filter((step) => step.outcome === 'failed' && step.step !== 'complete')) this.line(`${paint('red', 'failed:')}  ${failed.step}: ${failed.detail}`);
    const colour = OUTCOME_COLOUR[result.outcome];
    this.line(`outcome: ${colour ? paint(colour, result.outcome) : result.outcome}${level} ${result.environment ?? ''}${versions} — ${formatDuration(sandboxMs)} sandbox time, ${formatDuration(wallMs)} wall`);
  }

  /** "Rolling back now" went out as the restore began: one line is enough. */
  started(notification: RollbackNotification): void {
    this.line(`published as the rollback started: ${subjectFor(notification)} (${notification.severity})`);
  }

  notification(notification: RollbackNotification): void {
    const body = JSON.parse(messageFor(notification)) as Record<string, unknown>;
    body.timeline = `[${notification.timeline.length} steps]`;
    this.line('notification that would be published to SNS:');
    this.line(`  Subject:    ${subjectFor(notification)}`);
    this.line(`  Attributes: environment=${notification.environment} outcome=${notification.outcome} severity=${notification.severity} drill=${notification.drill}`);
    // The whole message body is one `--json` (or `rollbackctl show`) away; here it would push the verdict off screen.
    this.line(`  Message:    ${notification.type} (${notification.severity}); the full JSON body: rollbackctl drill --local --json, or rollbackctl show ${notification.deploymentId ?? '<deployment>'}`);
  }

  #clearSpinner(): void {
    if (this.#spinning && this.io.liveWrite) this.io.liveWrite('\r\x1b[2K');
    this.#spinning = false;
  }
}

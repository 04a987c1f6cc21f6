import type { JournalStep } from '../../shared/history/run-journal';
import type { RollbackNotification } from '../../shared/notify/notifier';
import { messageFor, subjectFor } from '../../shared/notify/sns-notifier';
import type { RollbackRunResult } from '../../shared/rollback/run-context';
import type { CheckResult } from '../../shared/validation/validation-contract';
import type { CliIo } from '../cli-context';
import { formatDuration } from '../text-output';

const MARK: Record<JournalStep['outcome'], string> = { ok: '✓', warning: '!', failed: '✗', info: '•' };
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Prints a drill for a person at 3 a.m.: each step as it lands, a spinner while validation polls. */
export class DrillPrinter {
  #spinning = false;

  constructor(
    private readonly io: CliIo,
    private readonly isQuiet: boolean,
  ) {}

  line(text = ''): void {
    if (this.isQuiet) return;
    this.#clearSpinner();
    this.io.out(text);
  }

  step(step: JournalStep): void {
    this.line(`  ${MARK[step.outcome]} ${step.step.padEnd(17)} ${formatDuration(step.durationMs).padStart(7)}  ${step.detail ?? ''}`);
  }

  round(round: number, passes: number, needed: number, checks: readonly CheckResult[]): void {
    if (this.isQuiet || !this.io.liveWrite) return;
    const failing = checks.filter((check) => !check.passed).map((check) => `${check.environment} ${check.check}: ${check.detail}`);
    const state = failing.length === 0 ? `all checks pass (${passes}/${needed})` : failing.join('; ');
    this.io.liveWrite(`\r\x1b[2K  ${SPINNER[round % SPINNER.length]} validating, round ${round}: ${state}`.slice(0, 160));
    this.#spinning = true;
  }

  outcome(result: RollbackRunResult, sandboxMs: number, wallMs: number): void {
    const level = result.level ? ` (${result.level})` : '';
    const versions = result.fromVersion ? ` ${result.fromVersion}${result.toVersion ? ` -> ${result.toVersion}` : ''}` : '';
    this.line(`outcome: ${result.outcome}${level} ${result.environment ?? ''}${versions} — ${formatDuration(sandboxMs)} sandbox time, ${formatDuration(wallMs)} wall`);
    if (result.reason) this.line(`reason:  ${result.reason}`);
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
    this.line(`  Message:    ${JSON.stringify(body, null, 2).split('\n').join('\n              ')}`);
  }

  #clearSpinner(): void {
    if (this.#spinning && this.io.liveWrite) this.io.liveWrite('\r\x1b[2K');
    this.#spinning = false;
  }
}

import { Command, CommanderError, Option } from 'commander';
import { ConfigError, UnknownEnvironmentError } from '../shared/config';
import { DeploymentConflictError, DeploymentNotFoundError, HistoryError, InvalidCursorError, InvalidWriteError } from '../shared/history/history-errors';
import { DynamoDbLocalError } from '../shared/local/dynamodb-local';
import { LocalHistoryBusyError } from './local-lock';
import { missingProfileMessage } from './aws/profiles';
import { sourceMappedStack } from './debug-stack';
import { search } from '@aws-lambda-powertools/jmespath';
import { EXIT, parseChoice, UsageError } from './cli-errors';
import { CliContext, type CliIo, type GlobalOptions } from './cli-context';
import { drillCommand, type DrillOptions } from './commands/drill-command';
import { historyCommand } from './commands/history-command';
import { rollbackCommand } from './commands/rollback-command';
import { SCENARIO_NAMES } from './local-drill/scenarios';
import { OrchestratorInvocationError } from './aws/request-url';
import { recordCommand } from './commands/record-command';
import { pauseCommand, resumeCommand } from './commands/pause-command';
import { gateCommand } from './commands/gate-command';
import { showCommand } from './commands/show-command';
import { TARGET_PLUGINS } from '../shared/targets/target-registry';
import { localPathCommand, localResetCommand } from './commands/local-command';
import { statusCommand } from './commands/status-command';
import { doctorCommand } from './commands/doctor-command';
import { completionScript } from './commands/completion-command';
import { DEPLOYMENT_STATUSES } from '../shared/history/deployment-record';
import { eventsGenerateCommand, type GenerateOptions } from './commands/events-command';
import { forTerminal, takesColour } from './terminal-safe';
import { rollbackctlVersion } from './version';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Shown after each command's options: the commands an on-call engineer types. */
const EXAMPLES: Record<string, string> = Object.fromEntries(
  Object.entries({
    history: ['rollbackctl history --env production --local', 'rollbackctl history --env production --status rolled_back --since 7d', 'rollbackctl history --env production -o json --query "items[].deploymentId"', 'rollbackctl history --env production --output text | cut -f2,3'],
    show: ['rollbackctl show sandbox-production-1.4.1 --local', 'rollbackctl show <deploymentId> --query "rollback.reason"'],
    record: ['rollbackctl record --env production --version 1.4.0 --status succeeded --capture', 'rollbackctl record --env production --id "$CI_PIPELINE_ID" --version 1.4.0 --status in_progress'],
    drill: ['rollbackctl drill --local', 'rollbackctl drill --local --scenario stage-fails', 'rollbackctl drill --local --event events/alarm-staging.json', 'rollbackctl drill --env production'],
    gate: ['rollbackctl gate --env production && ./deploy.sh'],
    pause: ['rollbackctl pause --env production --for 2h --reason "incident 42"'],
    resume: ['rollbackctl resume --env production --reason "incident 42 closed"'],
    rollback: ['rollbackctl rollback --env production --reason "checkout broken"', 'rollbackctl rollback --env production --to 1.3.0 --reason "back to 1.3.0" --yes'],
    doctor: ['rollbackctl doctor --local', 'rollbackctl doctor --table rollback-history --region eu-west-1'],
    status: ['rollbackctl status', 'rollbackctl status --env production --watch', 'rollbackctl status --watch --json | jq .environments[0].live'],
  }).map(([command, lines]) => [command, `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`]),
);

function buildProgram(io: CliIo, run: (work: (context: CliContext) => Promise<void | number>) => Promise<void>): Command {
  const program = new Command('rollbackctl')
    .description('Rollback controller: deployment history, manual rollbacks and drills')
    // `--version` alone is handled in runCli: `record --version <version>` keeps its meaning.
    .version(rollbackctlVersion(), '-V', 'print the rollbackctl version (also: rollbackctl --version)')
    .option('--local', 'use the local DynamoDB kept in $ROLLBACKCTL_HOME (default ~/.local/state/rollbackctl; no AWS account needed)')
    .option('--profile <name>', 'AWS profile for every AWS call (default: $AWS_PROFILE or the SDK chain)')
    .option('--table <name>', 'deployment history table in AWS (default: $ROLLBACK_TABLE)')
    .option('--region <region>', 'AWS region of the table (default: the AWS SDK chain)')
    .addOption(new Option('--endpoint <url>', 'DynamoDB endpoint, e.g. an already running DynamoDB Local'))
    .option('--config <path>', 'configuration file (default: $ROLLBACK_CONFIG, else rollback.config.json here or in a parent folder; with --local and none, the built-in demo)')
    .option('--debug', 'on a failure, print the whole error (stack trace included)')
    .option('-o, --output <format>', 'table (the default), text (history: tab-separated rows), or json (each command\'s --json)')
    .option('--query <jmespath>', 'a JMESPath expression over the JSON answer, as the AWS CLI\'s (implies --output json)')
    // Each command's help lists the options every command takes too (--local, --table, --region…).
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });

  const withContext =
    <Args extends unknown[]>(action: (context: CliContext, ...args: Args) => Promise<void | number>) =>
    (...args: Args) =>
      run((context) => action(context, ...args));

  program
    .command('history')
    .addHelpText('after', EXAMPLES['history']!)
    .description('list an environment’s deployments and rollbacks, newest first')
    .requiredOption('--env <environment>', 'environment name from the configuration')
    .option('--status <status>', 'only this status (in_progress, succeeded, failed, rolling_back, rolled_back, rollback_failed)')
    .option('--since <when>', 'started at or after: a duration back from now (30m, 12h, 7d) or an ISO date')
    .option('--until <when>', 'started at or before: a duration back from now or an ISO date')
    .option('--limit <n>', 'entries per page, 1-100', '20')
    .option('--cursor <cursor>', 'continue from where the previous page stopped')
    .option('--json', 'print JSON: { items, nextCursor }')
    .addOption(new Option('--text', 'tab-separated rows (what --output text gives)').hideHelp())
    .action(withContext((context, options) => historyCommand(context, options)));

  program
    .command('show')
    .addHelpText('after', EXAMPLES['show']!)
    .description('one deployment with its rollback and timeline')
    .argument('<deploymentId>', 'as listed by history')
    .option('--json', 'print the stored record as JSON')
    .action(withContext((context, deploymentId: string, options: { json?: boolean }) => showCommand(context, deploymentId, options)));

  const record = program
    .command('record')
    .addHelpText('after', EXAMPLES['record']!)
    .description('record a deployment from any CI system (CodePipeline is recorded automatically)')
    .requiredOption('--env <environment>', 'environment name from the configuration')
    .requiredOption('--version <version>', 'the version deployed (tag, build number or commit)')
    .requiredOption('--status <status>', 'in_progress, succeeded or failed')
    .option('--id <deploymentId>', 'stable id for this deployment (default: finish the newest in_progress of this version, or a new id)')
    .option('--capture', 'read what every target of the environment serves now (AWS credentials needed) as the restore point')
    .option('--source <name>', 'the CI system recording it', 'cli')
    .option('--revision <revision>', 'source revision (commit) deployed')
    .option('--by <who>', 'person or bot that deployed (default: $GITLAB_USER_LOGIN or $GITHUB_ACTOR)')
    .option('--json', 'print the result as JSON')
    .option('--irreversible [why]', 'rolling back past this deployment would not undo it (a data migration): automation never will, a person may with rollback --force')
    .option('--incomplete', 'with --status succeeded: record it although its restore points miss some of the environment\'s targets; automation never rolls back to it')
    .option('--rollback', 'with --status failed: the deploy moved traffic before it failed; the deployed orchestrator rolls it back (rollbackOnDeployFailure)')
    .option('--url <url>', "with --rollback: the orchestrator's request URL (default: $ROLLBACK_REQUEST_URL or the stack output RequestUrl)")
    .option('--stack <name>', 'with --rollback: stack to read outputs from (default: rollback-controller-<application>)');
  // Each target says how its restore point is given by hand.
  for (const plugin of TARGET_PLUGINS) {
    if (plugin.recordFlag) record.addOption(new Option(plugin.recordFlag.flags, `${plugin.title}: ${plugin.recordFlag.description}`).argParser(collect));
  }
  record.action(withContext((context, options) => recordCommand(context, options)));

  program
    .command('drill')
    .addHelpText('after', EXAMPLES['drill']!)
    .description('rehearse a rollback: --local runs the real orchestrator on a sandbox; --env drills a deployed one (reads only)')
    .addOption(new Option('--scenario <name>', 'local sandbox scenario').choices([...SCENARIO_NAMES]).default('stage-recovers'))
    .option('--event <file>', 'with --local: run this event file (events/*.json, or one saved from EventBridge) instead of a scenario, as a new delivery (fresh id, now)')
    .option('--exact', 'with --event: deliver it exactly as saved, so running it again is a retry of the same delivery')
    .option('--env <environment>', 'against AWS: the environment to drill')
    .option('--url <url>', "against AWS: the orchestrator's request URL (default: $ROLLBACK_REQUEST_URL or the stack output RequestUrl)")
    .option('--stack <name>', 'against AWS: stack to read outputs from (default: rollback-controller-<application>)')
    .option('--by <who>', 'who is drilling (default: your login)')
    .option('--json', 'print the machine-readable result')
    .action(function (this: Command, options: DrillOptions) {
      return withContext((context, given: DrillOptions) => drillCommand(context, given))({ ...options, scenarioGiven: this.getOptionValueSource('scenario') === 'cli' });
    });

  program
    .command('gate')
    .addHelpText('after', EXAMPLES['gate']!)
    .description('may the next deployment go ahead? exit 0 open; exit 3 while the environment is rolling back, in cooldown, paused, or its last rollback failed')
    .requiredOption('--env <environment>', 'environment name from the configuration')
    .option('--json', 'print { environment, open, reason | reasons }')
    .action(withContext((context, options) => gateCommand(context, options)));

  program
    .command('pause')
    .addHelpText('after', EXAMPLES['pause']!)
    .description('pause automation in an environment for a while: alarms are announced, not acted on (people may still roll back)')
    .requiredOption('--env <environment>', 'environment name from the configuration')
    .requiredOption('--for <duration>', 'how long: 30m, 2h, 1d (at most 7d)')
    .requiredOption('--reason <text>', 'why: whoever finds it paused reads it')
    .option('--by <who>', 'who is pausing (default: your login)')
    .option('--json', 'print the environment’s controls as JSON')
    .action(withContext((context, options) => pauseCommand(context, options)));

  program
    .command('resume')
    .addHelpText('after', EXAMPLES['resume']!)
    .description('lift a pause: alarms are acted on again (as the configured mode says)')
    .requiredOption('--env <environment>', 'environment name from the configuration')
    .option('--reason <text>', 'why, for the history')
    .option('--by <who>', 'who is resuming (default: your login)')
    .option('--json', 'print the environment’s controls as JSON')
    .action(withContext((context, options) => resumeCommand(context, options)));

  program
    .command('rollback')
    .addHelpText('after', EXAMPLES['rollback']!)
    .description('roll an environment back now, through the deployed orchestrator (asks first; --yes to skip)')
    .requiredOption('--env <environment>', 'environment name from the configuration')
    .option('--to <version>', 'a version from the environment’s history (default: its last known good)')
    .requiredOption('--reason <text>', 'why: goes into the history and the notification')
    .option('--yes', 'do not ask for confirmation')
    .option('--force', 'roll back past deployments recorded irreversible (their migrations stay; you have checked the old version copes)')
    .option('--url <url>', "the orchestrator's request URL, IAM-signed (default: $ROLLBACK_REQUEST_URL or the stack output RequestUrl)")
    .option('--stack <name>', 'stack to read outputs from (default: rollback-controller-<application>)')
    .option('--by <who>', 'who is rolling back (default: your login)')
    .option('--json', 'print the machine-readable result')
    .action(withContext((context, options) => rollbackCommand(context, options)));

  program
    .command('status')
    .addHelpText('after', EXAMPLES['status']!)
    .description('each environment now: active deployment, last good, a running rollback and its step, cooldown, mode or pause, last rollback')
    .option('--env <environment>', 'only this environment')
    .option('--watch [seconds]', 'refresh every N seconds (default 5) until interrupted')
    .addOption(new Option('--times <n>', 'with --watch: stop after n refreshes').hideHelp())
    .option('--json', 'print { schemaVersion, at, environments: [...] }')
    .action(withContext((context, options) => statusCommand(context, options)));

  program
    .command('events')
    .description('events the controller handles, for drills and Lambda test events')
    .command('generate')
    .description('print a fresh event (new id, the current time) as AWS sends it: alarm, manual, drill, pipeline-stage')
    .argument('<kind>', 'alarm, manual, drill or pipeline-stage')
    .requiredOption('--env <environment>', 'environment name from the configuration')
    .option('--state <state>', 'alarm: ALARM (default), OK, INSUFFICIENT_DATA; pipeline-stage: SUCCEEDED (default), STARTED, FAILED, …')
    .option('--alarm <name>', 'alarm: its name (default: the environment\'s first prefix + "generated")')
    .option('--to <version>', 'manual: the version to roll back to')
    .option('--reason <text>', 'manual: why')
    .option('--by <who>', 'manual, drill: who asks (default: your login)')
    .option('--account <id>', 'the account in the event', '123456789012')
    .option('--json', 'print JSON (events are always JSON)')
    .action(withContext((context, kind: string, options: GenerateOptions) => eventsGenerateCommand(context, kind, { ...options, region: context.options.region ?? 'eu-west-1' })));

  program
    .command('doctor')
    .addHelpText('after', EXAMPLES['doctor']!)
    .description('check what the other commands need, one line each: Java, the configuration, credentials and region, the table, the orchestrator (--local: the local history); exit 0 only when all pass')
    .option('--json', 'print { schemaVersion, ok, checks: [{ name, state, detail }] }')
    .action(withContext((context, options: { json?: boolean }) => doctorCommand(context, options)));

  program
    .command('completion')
    .description('print a shell completion script: eval "$(rollbackctl completion bash)" (or zsh) in your shell\'s rc file')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) =>
      run(async (context) => {
        context.io.out(completionScript(program, shell, { '--scenario': SCENARIO_NAMES, '--output': ['table', 'text', 'json'], '-o': ['table', 'text', 'json'], '--status': [...DEPLOYMENT_STATUSES] }));
      }),
    );

  const local = program.command('local').description('the local state that --local commands share');
  local
    .command('reset')
    .description('forget the local history (DynamoDB Local data) so the next --local command starts from the demo again')
    .action(withContext((context) => localResetCommand(context)));
  local
    .command('path')
    .description('print where --local keeps its state ($ROLLBACKCTL_HOME)')
    .action(withContext((context) => localPathCommand(context)));

  return program;
}

/** Exit code for an error: 2 when the input was rejected (nothing changed), 1 when the work failed. */
function describeFailure(error: unknown, env: NodeJS.ProcessEnv = {}): { code: number; message: string } {
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof UnknownEnvironmentError ||
    error instanceof InvalidCursorError ||
    error instanceof InvalidWriteError ||
    error instanceof DeploymentConflictError
  ) {
    return { code: EXIT.rejected, message: error.message };
  }
  if (error instanceof DeploymentNotFoundError || error instanceof HistoryError || error instanceof DynamoDbLocalError || error instanceof LocalHistoryBusyError || error instanceof OrchestratorInvocationError) {
    return { code: EXIT.failed, message: error.message };
  }
  const { name = '', message = String(error) } = error as { name?: string; message?: string };
  // A profile that does not exist fails as "no region" or "no credentials": name it instead.
  const missingProfile = name === 'CredentialsProviderError' || message === 'Region is missing' ? missingProfileMessage(env.AWS_PROFILE, env) : undefined;
  if (missingProfile) return { code: EXIT.failed, message: missingProfile };
  if (message === 'Region is missing') return { code: EXIT.failed, message: 'no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give your profile a region' };
  if (name === 'CredentialsProviderError' || name === 'UnrecognizedClientException' || name === 'InvalidSignatureException') {
    return { code: EXIT.failed, message: `no usable AWS credentials (${message}); configure a profile (--profile) or use --local` };
  }
  if (/^ExpiredToken/.test(name) || name === 'TokenRefreshRequired') return { code: EXIT.failed, message: `your AWS credentials have expired (${message}); log in again (e.g. aws sso login) and retry` };
  if (/AccessDenied|Unauthorized|Forbidden/.test(name)) {
    return { code: EXIT.failed, message: `AWS denied the request (${message}); README "Security" lists the IAM each command needs` };
  }
  if (/Throttl|TooManyRequests|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(name)) {
    return { code: EXIT.failed, message: `AWS is throttling requests (${name}); nothing was left half-done: retry in a minute` };
  }
  if (name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(message)) return { code: EXIT.failed, message: `cannot reach AWS (${message}); check the network, --region and --endpoint` };
  return { code: EXIT.failed, message: `unexpected failure: ${name ? `${name}: ` : ''}${message.split('\n')[0]} (run with --debug for details)` };
}

const OUTPUT_FORMATS = ['table', 'text', 'json'] as const;

/** A --query that JMESPath cannot parse is refused before anything is read (exit 2). */
function checkQuery(query: string): void {
  try {
    search(query, {});
  } catch (error) {
    throw new UsageError(`invalid --query "${query}": ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * `--output json` (`-o json`) is `--json`; `--output table` and `--output text` are what every command
 * prints by default (`history --output text`: tab-separated rows). `--query` implies JSON, as the AWS
 * CLI's narrows JSON. Pure.
 */
export function withOutputFormat(argv: readonly string[]): string[] {
  const args: string[] = [];
  let format: (typeof OUTPUT_FORMATS)[number] | undefined;
  let query = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg === '--') {
      args.push(...argv.slice(index));
      break;
    }
    if (arg === '--query' || arg.startsWith('--query=')) query = true;
    const inline = /^(?:--output|-o)=(.*)$/.exec(arg);
    if (arg !== '--output' && arg !== '-o' && !inline) {
      args.push(arg);
      continue;
    }
    format = parseChoice('--output', (inline ? inline[1]! : argv[(index += 1)]) ?? '', OUTPUT_FORMATS);
  }
  if (query && format !== undefined && format !== 'json') throw new UsageError(`--query narrows JSON: it cannot go with --output ${format}`);
  // At the end: --json (--text) is the command's own option, wherever --output was given.
  if (format === 'json' || query) return [...args, '--json'];
  return format === 'text' && args[0] === 'history' ? [...args, '--text'] : args;
}

/** Runs one rollbackctl invocation; returns its exit code instead of exiting, so tests can call it. */
export async function runCli(argv: readonly string[], terminal: CliIo): Promise<number> {
  // Every line reaches the terminal escaped: history and AWS text may hold control sequences.
  const colour = takesColour(terminal.columns !== undefined, terminal.env);
  const io: CliIo = { ...terminal, out: (text) => terminal.out(forTerminal(text, colour)), err: (text) => terminal.err(forTerminal(text, colour)) };
  let args: string[];
  try {
    args = withOutputFormat(argv);
  } catch (error) {
    io.err(`rollbackctl: ${(error as Error).message}`);
    return EXIT.rejected;
  }
  if (args.length === 1 && args[0] === '--version') {
    io.out(rollbackctlVersion());
    return EXIT.ok;
  }
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, async (work) => {
    try {
      const options = program.opts<GlobalOptions>();
      if (options.query !== undefined) checkQuery(options.query);
      // The SDK reads the profile from the process environment, for every client any command builds.
      if (options.profile) process.env.AWS_PROFILE = options.profile;
      // The AWS CLI's region variable too (the SDK reads only AWS_REGION): one region for every client and URL.
      options.region ??= io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION || undefined;
      const code = await work(new CliContext(io, options));
      if (typeof code === 'number') exitCode = code;
    } catch (error) {
      const failure = describeFailure(error, { ...io.env, ...(program.opts<GlobalOptions>().profile ? { AWS_PROFILE: program.opts<GlobalOptions>().profile } : {}) });
      io.err(`rollbackctl: ${failure.message}`);
      if (program.opts<GlobalOptions>().debug) io.err(sourceMappedStack((error as Error).stack ?? String(error)));
      exitCode = failure.code;
    }
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.rejected;
    throw error;
  }
  return exitCode;
}

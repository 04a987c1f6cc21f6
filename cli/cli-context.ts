import { search } from '@aws-lambda-powertools/jmespath';
import type { RollbackConfig } from '../shared/config';
import { describeConfigSource, findConfig, loadConfigFrom } from './config-discovery';
import { localStateDirectory, openHistory, type ConnectionOptions, type HistoryConnection } from './history-connection';

/** What every command gets: where to write, the environment, and how to reach config and history. */
/** The version of every `--json` answer's shape (`schemaVersion`); raised when a shape changes incompatibly. */
export const JSON_SCHEMA_VERSION = 1;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Raw output without a newline, for a live spinner; only given when stdout is a terminal. */
  liveWrite?(text: string): void;
  /** The terminal's width: long lines are cut to it (only given when stdout is a terminal; pipes get everything). */
  columns?: number;
  /** What a person waits for (the JVM starting), on stderr; only given when stderr is a terminal, so pipes and JSON stay clean. */
  progress?(text: string): void;
  /** Asks a yes/no question; only given when stdin is a terminal. */
  confirm?(question: string): Promise<boolean>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions extends ConnectionOptions {
  config?: string;
  profile?: string;
  debug?: boolean;
  /** A JMESPath expression over the JSON answer (it implies --output json). */
  query?: string;
}

export class CliContext {
  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
  ) {}

  /** --config, else ROLLBACK_CONFIG, else rollback.config.json here or above; --local falls back to the built-in demo. */
  loadConfig(options: { demoWhenNone?: boolean } = {}): RollbackConfig {
    const source = findConfig({ ...this.options, ...(options.demoWhenNone ? { local: true } : {}) }, this.io.env, this.io.cwd);
    // Said on stderr even off a terminal: the output (an event) is for the demo's names, not the user's.
    if (options.demoWhenNone && !this.options.local && source.from === 'built-in demo') this.io.err(`rollbackctl: using the built-in demo configuration: ${describeConfigSource(source, this.io.cwd)}`);
    this.configInUse = describeConfigSource(source, this.io.cwd);
    this.io.progress?.(`rollbackctl: configuration ${this.configInUse}`);
    return loadConfigFrom(source);
  }

  /** Which configuration the last loadConfig used, said in words (undefined: none loaded yet). */
  configInUse: string | undefined;

  /** Whether an AWS history table is named (--table, ROLLBACK_TABLE): remote commands then read versions and follow runs. */
  knowsTable(): boolean {
    return Boolean(this.options.table ?? this.io.env.ROLLBACK_TABLE);
  }

  /** Opens the history, runs the work, and always closes it (stopping a local DynamoDB). */
  async withHistory<Result>(work: (connection: HistoryConnection) => Promise<Result>, local: { table?: string } = {}): Promise<Result> {
    if (this.options.local) this.io.progress?.(`rollbackctl: starting DynamoDB Local (Java) for the local history in ${localStateDirectory(this.io.env)}…`);
    const connection = await openHistory({ ...this.options, ...(local.table ? { localTable: local.table } : {}) }, this.io.env, this.options.debug ? (line) => this.io.err(`debug: ${line}`) : undefined);
    try {
      return await work(connection);
    } finally {
      await connection.close();
    }
  }

  /** JSON out, pretty (or one line: `compact`), narrowed by `--query` (JMESPath, as the AWS CLI's) when given. */
  printJson(value: unknown, options: { compact?: boolean } = {}): void {
    const shown = this.options.query === undefined ? value : search(this.options.query, value as Parameters<typeof search>[1]);
    this.io.out(options.compact ? JSON.stringify(shown) : JSON.stringify(shown, null, 2));
  }

  /** A command's JSON answer: its documented shape, versioned, so scripts can tell a change coming. */
  printAnswer(value: object, options: { compact?: boolean } = {}): void {
    this.printJson({ schemaVersion: JSON_SCHEMA_VERSION, ...value }, options);
  }
}

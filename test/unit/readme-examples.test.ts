import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { findEnvironment, loadConfig } from '../../shared/config';
import { recordingTargets, targetPlugin } from '../../shared/targets/target-registry';

/** Every `record … --status succeeded` command the README shows, its continuation lines joined. */
function succeededRecordCommands(markdown: string): string[] {
  const joined = markdown.replace(/\\\n\s*/g, ' ').replace(/\n {6,}(?=--)/g, ' ');
  return joined.split('\n').filter((line) => /\brecord --env \S+/.test(line) && /--status succeeded\b/.test(line));
}

describe('the README’s record examples', () => {
  const config = loadConfig('rollback.config.json');
  const commands = succeededRecordCommands(readFileSync('README.md', 'utf8'));

  it('are found: the generic one, GitLab’s and GitHub’s', () => {
    expect(commands.length).toBeGreaterThanOrEqual(3);
  });

  it('record a restore point for every target of the environment they name (or read them all with --capture), never --incomplete', () => {
    for (const command of commands) {
      const environment = findEnvironment(config, /--env (\S+)/.exec(command)![1]!);
      // A hook records nothing: no flag to give.
      const missing = recordingTargets(environment.targets)
        .map((target) => targetPlugin(target.type))
        .filter((plugin) => !command.includes('--capture') && !command.includes(`${new Option(plugin.recordFlag!.flags).long!} `))
        .map((plugin) => plugin.type);
      expect({ command, missing, incomplete: command.includes('--incomplete') }).toEqual({ command, missing: [], incomplete: false });
    }
  });
});

describe('the README’s scenario table', () => {
  it('lists every local scenario the CLI offers, each once', async () => {
    const { SCENARIOS } = await import('../../cli/local-drill/scenarios');
    const readme = readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('| scenario |'), readme.indexOf('### Any event'));
    const listed = [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1]);

    expect([...listed].sort()).toEqual([...SCENARIOS.keys()].sort());
  });
});

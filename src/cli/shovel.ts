/**
 * shovel: the release tool of a generated service. Parses argv (node:util parseArgs, strict),
 * dispatches to src/release, and leaves printing errors and exit codes to runCli.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closest, unknownFlag } from '../ui/suggest.js';
import { EXIT, UsageError, type ExitCode } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { versionSchema } from '../config/schema.js';
import { imageTag } from '../docker/tag.js';
import { dialectFor, renderAppDefinition } from '../marathon/render.js';
import { renderNotes } from '../marathon/render-notes.js';
import { MarathonClient } from '../marathon/client.js';
import type { MarathonDialect } from '../marathon/types.js';
import { validateAppDefinition } from '../marathon/validate.js';
import { gitState } from '../release/git.js';
import { release, rollback, status } from '../release/index.js';
import { marathonAuthFromEnv } from '../release/marathon-target.js';
import { readVersionFacts, type TargetName } from '../release/preflight.js';
import { Redactor } from '../release/redact.js';
import { formatStatus } from '../release/status.js';
import { formatHistory, history, logs, stop } from '../release/service-ops.js';
import { selfPackage } from '../util/self.js';
import { canPrompt } from '../ui/terminal.js';
import { runCli } from './run-cli.js';
import { COMMANDS, FLAGS, helpText, RELEASE_VERSION_COMMANDS, takeReleaseVersion, type Command } from './shovel-flags.js';

type Values = Record<string, string | boolean | undefined>;

export function parseShovelArgs(argv: readonly string[]): { command?: Command; positionals: string[]; values: Values; inputs: string[] } {
  // After `--`: input flags for the template (shovel upgrade -- --instances 3).
  const cut = argv.indexOf('--');
  const inputs = cut < 0 ? [] : argv.slice(cut + 1);
  const own = cut < 0 ? argv : argv.slice(0, cut);
  const taken = takeReleaseVersion(own);
  const options = Object.fromEntries(
    FLAGS.map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}) }]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string }>;
  let parsed: { values: Values; positionals: string[] };
  const unknown = unknownFlag(taken.args, options);
  if (unknown) {
    throw new UsageError('SHOVEL_ERR_USAGE', `Unknown flag ${unknown.typed}${unknown.suggestion ? `: did you mean ${unknown.suggestion}?` : '.'}`, { hint: 'See shovel --help.' });
  }
  try {
    parsed = parseArgs({ args: taken.args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    // parseArgs names the offending flag in its message ("Unknown option '--x'").
    throw new UsageError('SHOVEL_ERR_USAGE', (error as Error).message.split('. ')[0] ?? String(error), { hint: 'See shovel --help.' });
  }
  const [first, ...rest] = parsed.positionals;
  if (first === undefined) return { positionals: [], values: parsed.values, inputs };
  const command = COMMANDS.find((c) => c.name === first)?.name;
  if (!command) {
    const meant = closest(first, COMMANDS.map((c) => c.name));
    throw new UsageError('SHOVEL_ERR_USAGE', `Unknown command "${first}"${meant ? `: did you mean "${meant}"?` : '.'}`, { hint: `Commands: ${COMMANDS.map((c) => c.name).join(', ')}.` });
  }
  for (const flag of FLAGS) {
    const value = parsed.values[flag.name];
    if (value === undefined) continue;
    if (!flag.commands.includes(command)) throw new UsageError('SHOVEL_ERR_USAGE', `--${flag.name} does not apply to "shovel ${command}".`);
    if (flag.choices && typeof value === 'string' && !flag.choices.includes(value)) {
      throw new UsageError('SHOVEL_ERR_USAGE', `--${flag.name} must be one of ${flag.choices.join(', ')} (got "${value}").`);
    }
  }
  if (taken.releaseVersion !== undefined) {
    if (!RELEASE_VERSION_COMMANDS.includes(command)) throw new UsageError('SHOVEL_ERR_USAGE', `--version VERSION does not apply to "shovel ${command}".`);
    parsed.values['release-version'] = taken.releaseVersion;
  }
  const maxArgs = command === 'rollback' ? 1 : command === 'fleet' ? Number.POSITIVE_INFINITY : 0;
  if (rest.length > maxArgs) throw new UsageError('SHOVEL_ERR_USAGE', `Unexpected argument "${rest[maxArgs]}" for "shovel ${command}".`);
  if (inputs.length > 0 && command !== 'upgrade') throw new UsageError('SHOVEL_ERR_USAGE', `Arguments after -- are input flags of "shovel upgrade" only.`);
  return { command, positionals: rest, values: parsed.values, inputs };
}

function deadlineOf(values: Values): number | undefined {
  const raw = values.deadline;
  if (typeof raw !== 'string') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 86400) {
    throw new UsageError('SHOVEL_ERR_USAGE', `--deadline must be a whole number of seconds from 1 to 86400 (got "${raw}").`);
  }
  return Number(raw);
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

/** --tail N: a whole number of lines. */
function tailOf(values: Values): { tail?: number } {
  const raw = values.tail;
  if (typeof raw !== 'string') return {};
  if (!/^\d+$/.test(raw) || Number(raw) > 1_000_000) throw new UsageError('SHOVEL_ERR_USAGE', `--tail must be a whole number of lines (got "${raw}").`);
  return { tail: Number(raw) };
}

/** --version VERSION, checked with the rule of shovel.yml's `version`. */
function releaseVersionOf(values: Values): string | undefined {
  const raw = str(values['release-version']);
  if (raw === undefined) return undefined;
  const checked = versionSchema.safeParse(raw);
  if (!checked.success) throw new UsageError('SHOVEL_ERR_USAGE', `--version ${checked.error.issues[0]?.message ?? 'must be a version'} (got "${raw}").`);
  return raw;
}

export async function main(argv: readonly string[], signal: AbortSignal): Promise<ExitCode> {
  const { command, positionals, values, inputs } = parseShovelArgs(argv);
  const version = selfPackage().version;
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  if (values.help || !command) {
    process.stdout.write(helpText(version));
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  const cwd = path.resolve(str(values.cwd) ?? process.cwd());
  const configPath = str(values.config);
  const target = str(values.target) as TargetName | undefined;
  const json = Boolean(values.json);
  const deadlineSeconds = deadlineOf(values);
  const releaseVersion = releaseVersionOf(values);
  const common = { cwd, ...(configPath ? { configPath } : {}), ...(target ? { target } : {}), signal };

  switch (command) {
    case 'release': {
      const leftover = sayLeftoverOnSecondSignal();
      try {
        await release({
          ...common,
          onLeftover: leftover.set,
          dryRun: Boolean(values['dry-run']),
          json,
          allowDirty: Boolean(values['allow-dirty']),
          force: Boolean(values.force),
          ...(deadlineSeconds ? { deadlineSeconds } : {}),
          ...(values.dialect ? { dialect: values.dialect as MarathonDialect } : {}),
          ...(releaseVersion ? { version: releaseVersion } : {}),
        });
      } finally {
        leftover.dispose();
      }
      return EXIT.ok;
    }
    case 'render':
      await render(cwd, configPath, str(values.dialect) as MarathonDialect | undefined, str(values.image), signal, releaseVersion);
      return EXIT.ok;
    case 'status': {
      const result = await status(common);
      process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${formatStatus(result)}\n`);
      return EXIT.ok;
    }
    case 'logs':
      await logs({ ...common, follow: Boolean(values.follow), ...tailOf(values), onLine: (line) => process.stdout.write(`${line}\n`) });
      return EXIT.ok;
    case 'history': {
      const result = await history(common);
      process.stdout.write(json ? `${JSON.stringify(result)}\n` : formatHistory(result));
      return EXIT.ok;
    }
    case 'stop': {
      const result = await stop({ ...common, ...(deadlineSeconds ? { deadlineSeconds } : {}) });
      process.stdout.write(json ? `${JSON.stringify(result)}\n` : `Stopped ${result.appId} (${result.target}): ${result.stopped.length ? result.stopped.join(', ') : 'nothing was running'}\n`);
      return EXIT.ok;
    }
    case 'rollback':
      await rollback({
        ...common,
        json,
        force: Boolean(values.force),
        ...(positionals[0] ? { version: positionals[0] } : {}),
        ...(deadlineSeconds ? { deadlineSeconds } : {}),
      });
      return EXIT.ok;
    case 'upgrade': {
      const { upgrade } = await import('../upgrade/upgrade.js');
      const { formatUpgrade } = await import('../upgrade/format.js');
      const interactive = Boolean(process.stdin.isTTY) && process.env.CI !== 'true' && !json;
      const result = await upgrade({ cwd, dryRun: Boolean(values['dry-run']), inputs, interactive, signal, ...(str(values.to) ? { to: str(values.to)! } : {}) });
      process.stdout.write(json ? `${JSON.stringify(result)}\n` : formatUpgrade(result));
      return result.outcome === 'conflicts' ? EXIT.failed : EXIT.ok;
    }
    case 'fleet': {
      const { fleet } = await import('../upgrade/fleet.js');
      const { formatFleet } = await import('../upgrade/fleet-format.js');
      const report = await fleet({ dirs: positionals, ...(str(values.from) ? { listFile: str(values.from)! } : {}), signal });
      process.stdout.write(json ? `${JSON.stringify(report)}\n` : formatFleet(report));
      return EXIT.ok;
    }
    case 'init': {
      const { init, INIT_INPUTS } = await import('../init/index.js');
      const { formatInit } = await import('../init/format.js');
      const given = Object.fromEntries(INIT_INPUTS.flatMap((i) => (typeof values[i.flag] === 'string' ? [[i.key, values[i.flag] as string]] : [])));
      const result = await init({ cwd, ...(configPath ? { configPath } : {}), given, interactive: !values.yes && canPrompt(), signal });
      process.stdout.write(formatInit(result, cwd));
      return EXIT.ok;
    }
    case 'check': {
      const { checkService, formatCheck } = await import('../upgrade/check.js');
      const result = await checkService({ cwd, ...(str(values.to) ? { to: str(values.to)! } : {}) });
      process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${formatCheck(result)}\n`);
      return result.current ? EXIT.ok : EXIT.failed;
    }
  }
}

/**
 * A second SIGINT/SIGTERM exits at once (runCli); before it does, this says what the release
 * leaves behind on the target and how to finish the job. Runs first: prepended.
 */
function sayLeftoverOnSecondSignal(): { set: (what: string | undefined) => void; dispose: () => void } {
  const redactor = Redactor.fromEnv();
  let what: string | undefined;
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals > 1 && what) process.stderr.write(`✖ Stopped at once, with work left: ${redactor.text(what)}\n`);
  };
  process.prependListener('SIGINT', onSignal);
  process.prependListener('SIGTERM', onSignal);
  return {
    set: (next) => void (what = next),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** `shovel render`: the app definition a release would send, without building anything. */
async function render(
  cwd: string,
  configPath: string | undefined,
  dialect: MarathonDialect | undefined,
  image: string | undefined,
  signal: AbortSignal,
  releaseVersion?: string,
) {
  const redactor = Redactor.fromEnv();
  try {
    const { config } = await loadConfig(cwd, configPath);
    let ref = image ?? config.image.ref;
    if (!ref) {
      const [pkg, git] = await Promise.all([readVersionFacts(cwd, { override: releaseVersion, configured: config.version }), gitState(cwd)]);
      ref = `${config.image.repository}:${imageTag({ version: pkg.version, sha: git.sha, ...(git.dirty ? { dirtyAt: new Date() } : {}) })}`;
    }
    let chosen = dialect;
    if (!chosen) {
      if (!config.marathon.url) {
        throw new UsageError('SHOVEL_ERR_USAGE', 'shovel render needs --dialect when shovel.yml has no marathon.url.');
      }
      const auth = marathonAuthFromEnv(process.env);
      const info = await new MarathonClient({ url: config.marathon.url, ...(auth ? { auth } : {}) }).info(signal);
      chosen = dialectFor(info.version);
    }
    const definition = renderAppDefinition(config, { image: ref, dialect: chosen });
    validateAppDefinition(definition, chosen);
    // What the definition cannot say (e.g. a TCP readiness check): on stderr, so stdout stays JSON.
    for (const note of renderNotes(config, chosen)) process.stderr.write(`note: ${note}\n`);
    process.stdout.write(`${JSON.stringify(definition, null, 2)}\n`);
  } catch (error) {
    throw redactor.error(error);
  }
}

export function run(argv: string[]): Promise<void> {
  return runCli((signal) => main(argv, signal));
}

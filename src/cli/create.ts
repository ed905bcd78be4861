/**
 * create-shovel: generate a new service repository from prompts or flags.
 * Flow: parse -> resolve inputs (flags, answers file, prompts or defaults) -> check target ->
 * plan (--dry-run stops here) -> build in a temporary directory (files, git, install) ->
 * rename into place -> optional first release -> report.
 */
import path from 'node:path';
import { EXIT, isShovelError, UsageError, type ExitCode } from '../errors.js';
import { readAnswersFile } from '../inputs/answers-file.js';
import { createHelp, parseCreateArgs, type CreateOptions } from '../inputs/options.js';
import { validateGiven, withDefaults, type RawInputs } from '../inputs/resolve.js';
import type { Answers } from '../inputs/schema.js';
import { serviceName, suggestServiceName } from '../inputs/rules.js';
import { selfPackage } from '../util/self.js';
import { nowMs } from '../util/clock.js';
import { Progress } from '../ui/progress.js';
import { colors } from '../ui/colors.js';
import { canPrompt } from '../ui/terminal.js';
import { runCli } from './run-cli.js';
import { plan, printPlan, type Plan } from '../scaffold/plan.js';
import { assertWritable, inspectTarget, removeStaleTemporaries, temporaryBeside } from '../scaffold/target.js';
import { buildService } from '../scaffold/build.js';

export interface CreateReport {
  tool: 'create-shovel';
  version: string;
  outcome: 'created' | 'planned' | 'failed';
  target?: string;
  inputs?: Answers;
  files?: { path: string; size: number }[];
  commands?: { step: string; command: string }[];
  steps?: Progress['records'];
  timings?: { totalMs: number };
  notes?: string[];
  release?: unknown;
  /** The repository was created and is in place, but `--release` failed. */
  releaseFailed?: boolean;
  error?: { code: string; message: string };
}

function isInteractive(options: CreateOptions): boolean {
  return canPrompt() && !options.yes && !options.json;
}

/**
 * The name defaults to the target directory's name. A directory name that is not a valid
 * service name is explained with a valid one to pass instead (in a terminal, that one is the
 * prompt's default).
 */
function nameFromDirectory(directory: string | undefined, interactive: boolean): string | undefined {
  if (!directory) return undefined;
  const base = path.basename(path.resolve(directory));
  const broken = serviceName(base);
  if (broken === undefined) return base;
  const suggestion = suggestServiceName(base);
  if (interactive) return undefined;
  throw new UsageError('SHOVEL_ERR_INPUT_INVALID', `the directory name ${JSON.stringify(base)} is not a valid service name: it must ${broken}`, {
    hint: suggestion
      ? `pass --name ${suggestion} (the directory can keep its name), or name the directory ${suggestion}`
      : 'pass --name NAME: lowercase letters, digits and hyphens, starting with a letter',
  });
}

async function resolveAnswers(
  options: CreateOptions,
  interactive: boolean,
  parent: string,
  signal: AbortSignal,
): Promise<Answers> {
  const fromFile: RawInputs = options.answersFile ? await readAnswersFile(options.answersFile) : {};
  const raw: RawInputs = { ...fromFile, ...options.flags };
  if (raw.name === undefined) {
    const fromDir = nameFromDirectory(options.directory, interactive);
    if (fromDir) raw.name = fromDir;
  }
  const given = validateGiven(raw);
  if (!interactive) return withDefaults(given);
  const { promptForMissing } = await import('../scaffold/run-generator.js');
  const asked = await promptForMissing(given, parent, signal);
  return withDefaults(validateGiven({ ...given, ...asked }));
}

/**
 * npm ci in the repository in place, beside the first release; resolves to its error, if
 * any, once it ends (the release goes on either way: it does not use the local install).
 */
async function installInPlace(dir: string, progress: Progress, signal: AbortSignal): Promise<unknown> {
  const { install, INSTALL_STEP } = await import('../scaffold/install.js');
  return progress.step(INSTALL_STEP, () => install(dir, signal)).then(
    () => undefined,
    (error: unknown) => error,
  );
}

export async function create(argv: string[], signal: AbortSignal): Promise<ExitCode> {
  const started = nowMs();
  const options = parseCreateArgs(argv);
  const self = selfPackage();
  if (options.help) {
    process.stdout.write(`${createHelp(self.version)}\n`);
    return EXIT.ok;
  }
  if (options.version) {
    process.stdout.write(`${self.version}\n`);
    return EXIT.ok;
  }
  const progress = new Progress();
  const report: CreateReport = { tool: 'create-shovel', version: self.version, outcome: 'failed' };
  const finish = (code: ExitCode) => {
    report.steps = progress.records;
    report.timings = { totalMs: Math.round(nowMs() - started) };
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return code;
  };
  try {
    const interactive = isInteractive(options);
    // An explicit directory is checked before any prompt, so a user never answers questions
    // for a run that cannot write.
    if (options.directory) assertWritable(await inspectTarget(path.resolve(options.directory)), options.force);
    const parent = options.directory ? path.dirname(path.resolve(options.directory)) : process.cwd();
    const answers = await resolveAnswers(options, interactive, parent, signal);
    report.inputs = answers;
    const targetDir = path.resolve(options.directory ?? answers.name);
    const target = await inspectTarget(targetDir);
    assertWritable(target, options.force);
    report.target = targetDir;

    const thePlan: Plan = await plan(answers, target, options);
    report.files = thePlan.files.map((f) => ({ path: f.path, size: f.contents.length }));
    report.commands = thePlan.commands.map(({ step, command }) => ({ step, command }));
    report.notes = thePlan.notes;
    if (options.dryRun) {
      printPlan(thePlan, process.stderr);
      report.outcome = 'planned';
      return finish(EXIT.ok);
    }

    const stale = await removeStaleTemporaries(path.dirname(targetDir));
    if (stale.length > 0) progress.info(`Removed ${stale.length} temporary director${stale.length > 1 ? 'ies' : 'y'} left by an interrupted run.`);
    const built = await buildService({
      plan: thePlan,
      target,
      workDir: temporaryBeside(targetDir),
      progress,
      signal,
    });
    for (const note of built.notes) progress.warn(note);
    report.notes = [...(report.notes ?? []), ...built.notes];

    const rel = path.relative(process.cwd(), targetDir) || '.';
    if (options.release) {
      const { release } = await import('../release/index.js');
      // The release shows its own named steps (build, push, deploy, wait).
      // A first release does not wait for the local install: npm ci runs in the new
      // repository while the release builds and deploys (see Plan.installBesideRelease).
      const beside = thePlan.installBesideRelease;
      progress.info(beside ? 'First release (npm ci runs beside it):' : 'First release:');
      const installing = beside ? installInPlace(targetDir, progress, signal) : Promise.resolve(undefined);
      try {
        report.release = await release({ cwd: targetDir, signal, progress, json: false });
      } catch (error) {
        await installing;
        // The repository is complete and in place: only the release has to be done again.
        report.outcome = 'created';
        report.releaseFailed = true;
        const bin = path.join(selfPackage().root, 'bin', 'shovel.js');
        progress.warn(
          `${answers.name} was created in ${rel}, but its first release failed (below). ` +
            `Retry the release alone: cd ${rel} && shovel release (shovel is this package's other bin: node ${bin} release --cwd ${rel}).`,
        );
        throw error;
      }
      const installFailed = await installing;
      if (installFailed) {
        report.outcome = 'created';
        progress.warn(`${answers.name} was created in ${rel} and released, but its local install failed (below): run npm ci in ${rel}.`);
        throw installFailed;
      }
    }
    report.outcome = 'created';
    const c = colors(process.stderr);
    progress.info(`\n${c.green('✔')} Created ${c.bold(answers.name)} in ${rel}\n`);
    const self = selfPackage();
    progress.info(
      `Next:\n  cd ${rel}\n${options.install ? '' : '  npm ci\n'}  npm run dev\n  npm test\n` +
        `  npm run release   (runs \`shovel\`: npm install --global ${self.name}@${self.version}, or npm link in a Shovel clone)`,
    );
    return finish(EXIT.ok);
  } catch (error) {
    if (isShovelError(error)) report.error = { code: error.code, message: error.message };
    else report.error = { code: 'SHOVEL_ERR_UNEXPECTED', message: String((error as Error)?.message ?? error) };
    if (report.releaseFailed) report.outcome = 'created';
    finish(EXIT.failed);
    throw error;
  }
}

export function run(argv: string[]): Promise<void> {
  return runCli((signal) => create(argv, signal));
}

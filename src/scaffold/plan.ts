/**
 * The plan of a run: every file with its size and every command that would run. --dry-run
 * prints it and stops; a real run executes it, so the two cannot disagree.
 */
import path from 'node:path';
import type { Answers } from '../inputs/schema.js';
import type { RenderedFile } from './render.js';
import { serviceFiles } from './files.js';
import { GIT_COMMANDS, insideWorkTree } from './git.js';
import { formatCommand } from '../util/exec.js';
import { detectPackageManager, INSTALL_COMMAND, installNote } from './install.js';
import type { Target } from './target.js';
import { colors } from '../ui/colors.js';

export interface PlanOptions {
  git: boolean;
  install: boolean;
  release: boolean;
}

export interface PlannedCommand {
  step: string;
  command: string;
}

export interface Plan {
  answers: Answers;
  targetDir: string;
  files: RenderedFile[];
  git: boolean;
  install: boolean;
  /**
   * The install runs in the repository in place, beside the first release (whose image build
   * installs its own dependencies), instead of before the first commit.
   */
  installBesideRelease: boolean;
  release: boolean;
  commands: PlannedCommand[];
  /** Why something the user might expect will not happen. */
  notes: string[];
}

export async function plan(answers: Answers, target: Target, options: PlanOptions): Promise<Plan> {
  const files = await serviceFiles(answers);
  const notes: string[] = [];
  let git = options.git;
  if (!options.git) notes.push('git: skipped (--no-git)');
  else if (target.entries.includes('.git')) {
    git = false;
    notes.push(`git: skipped (${target.dir} already has a .git, which is kept)`);
  } else if (await insideWorkTree(path.dirname(target.dir))) {
    git = false;
    notes.push('git: skipped (the target is inside an existing git work tree)');
  }
  if (!options.install) notes.push('install: skipped (--no-install)');
  else {
    const note = installNote(detectPackageManager());
    if (note) notes.push(note);
  }
  const commands: PlannedCommand[] = [];
  const [file, args] = INSTALL_COMMAND;
  const installCommand = formatCommand(file, args);
  // Same order as build.ts and create.ts: the install before the first commit, or, with a
  // first release, beside that release (whose image build installs its own dependencies).
  const installBesideRelease = options.install && options.release;
  if (options.install && !installBesideRelease) commands.push({ step: 'install', command: installCommand });
  if (git) {
    for (const [file, args] of GIT_COMMANDS) commands.push({ step: 'git', command: formatCommand(file, args) });
  }
  if (installBesideRelease) commands.push({ step: 'install', command: `${installCommand} (beside the release)` });
  if (options.release) commands.push({ step: 'release', command: 'shovel release' });
  return { answers, targetDir: target.dir, files, git, install: options.install, installBesideRelease, release: options.release, commands, notes };
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function printPlan(p: Plan, stream: NodeJS.WritableStream): void {
  const c = colors(stream);
  const total = p.files.reduce((n, f) => n + f.contents.length, 0);
  const lines = [
    `${c.bold('Plan')} (dry run: nothing is written)`,
    `Target: ${p.targetDir}`,
    `Files (${p.files.length}, ${size(total)}):`,
    ...p.files.map((f) => `  ${f.path.padEnd(48)} ${size(f.contents.length).padStart(10)}`),
    'Commands:',
    ...(p.commands.length ? p.commands.map((cmd) => `  [${cmd.step}] ${cmd.command}`) : ['  (none)']),
    ...(p.notes.length ? ['Notes:', ...p.notes.map((n) => `  ${n}`)] : []),
  ];
  stream.write(`${lines.join('\n')}\n`);
}

/**
 * The service template renders for any valid answers, hostile free text included: every
 * generated JSON/YAML file parses, the free text round-trips exactly, and shovel.yml is a
 * valid release config.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { shovelConfigSchema, type Check } from '../../src/config/schema.js';
import type { Answers } from '../../src/inputs/schema.js';
import { markdownText } from '../../src/scaffold/escape.js';
import { type RenderedFile, renderTree } from '../../src/scaffold/render.js';
import { teamSlugOf, templateData } from '../../src/scaffold/template-data.js';
import { SERVICE_ANSWERS, serviceTemplateDir, writeService } from '../support/service-fixture.js';

const HOSTILE_DESCRIPTION = [
  `He said "hi" and 'bye'; C:\\path\\n is not a newline \\`,
  '{{name}} {{{raw}}} ${process.env.HOME} $(rm -rf /) `backticks` %s %d',
  '</script><script>alert(1)</script> & &amp; <b>',
  '# not a heading - not: a yaml key [link](x) | table | *em* _u_',
  '\ttabbed line with trailing spaces   ',
  'emoji 🚀🧪 and ünïcödé — “curly” ‘quotes’',
].join('\n');

const HOSTILE: Answers = {
  ...SERVICE_ANSWERS,
  name: 'payments-api',
  description: HOSTILE_DESCRIPTION,
  team: `Team "Q" {{x}} \${y} 'z' # yes: no 🚀`,
};

const VARIANTS: [string, Answers][] = [
  ['hostile text, public host, docker target', HOSTILE],
  [
    'marathon target, no public host, root group',
    { ...HOSTILE, publicHost: '', marathonUrl: 'http://127.0.0.1:8080', marathonGroup: '/' },
  ],
  ['plain defaults', { ...SERVICE_ANSWERS, description: 'Orders.', team: 'platform' }],
];

const EXPECTED_FILES = [
  '.dockerignore',
  '.editorconfig',
  '.env.example',
  '.github/CODEOWNERS',
  '.github/workflows/ci.yml',
  '.gitignore',
  '.nvmrc',
  '.oxlintrc.json',
  '.shovel/shovel.schema.json',
  'Dockerfile',
  'README.md',
  'dev.env',
  'package-lock.json',
  'package.json',
  'renovate.json',
  'scripts/env.ts',
  'scripts/gen.ts',
  'scripts/route.test.ts.tpl',
  'scripts/route.ts.tpl',
  'shovel.yml',
  'src/app.ts',
  'src/config-validator.ts',
  'src/config.ts',
  'src/env.ts',
  'src/errors.ts',
  'src/health.ts',
  'src/healthcheck.ts',
  'src/log-stream.ts',
  'src/logger.ts',
  'src/main.ts',
  'src/metrics.ts',
  'src/openapi.ts',
  'src/routes.ts',
  'src/routes/hello.ts',
  'src/service.ts',
  'src/shutdown.ts',
  'test/config.test.ts',
  'test/env-docs.test.ts',
  'test/health.test.ts',
  'test/hello.test.ts',
  'test/helper.ts',
  'test/log-stream.test.ts',
  'test/logging.test.ts',
  'test/main.test.ts',
  'test/metrics.test.ts',
  'test/openapi.test.ts',
  'test/request-id.test.ts',
  'test/route-schemas.test.ts',
  'test/shutdown.test.ts',
  'tsconfig.build.json',
  'tsconfig.json',
  'vitest.config.ts',
];

function byPath(files: RenderedFile[]): Map<string, string> {
  return new Map(files.map((file) => [file.path, file.contents.toString('utf8')]));
}

function fileOf(files: Map<string, string>, name: string): string {
  const text = files.get(name);
  if (text === undefined) throw new Error(`${name} was not generated`);
  return text;
}

describe.each(VARIANTS)('service template (%s)', (_name, answers) => {
  const rendered = renderTree(serviceTemplateDir(), templateData(answers));

  it('generates the expected files, dotfiles renamed and the route templates kept verbatim', async () => {
    const files = await rendered;
    expect(files.map((file) => file.path)).toEqual(EXPECTED_FILES);
    const route = fileOf(byPath(files), 'scripts/route.ts.tpl');
    expect(route).toContain('export default {{camelCase name}}Routes;');
  });

  it('writes JSON and YAML that parse', async () => {
    const files = byPath(await rendered);
    const structured = [...files.keys()].filter((name) => /\.(json|ya?ml)$/.test(name));
    expect(structured).toEqual(expect.arrayContaining(['package.json', 'shovel.yml', '.github/workflows/ci.yml']));
    for (const name of structured) {
      const text = fileOf(files, name);
      if (name.endsWith('.json')) expect(() => JSON.parse(text), name).not.toThrow();
      else expect(() => parseYaml(text, { strict: true, uniqueKeys: true }), name).not.toThrow();
    }
  });

  it('round-trips the description and team exactly', async () => {
    const files = byPath(await rendered);
    const pkg = JSON.parse(fileOf(files, 'package.json'));
    expect(pkg.name).toBe(answers.name);
    expect(pkg.description).toBe(answers.description);
    expect(pkg.engines.node).toBe(templateData(answers).nodeEngines);

    const yml = parseYaml(fileOf(files, 'shovel.yml'));
    expect(yml.service.description).toBe(answers.description);
    expect(yml.service.team).toBe(answers.team);

    expect(fileOf(files, 'README.md')).toContain(markdownText(answers.description));
  });

  it('writes a shovel.yml that the release config schema accepts', async () => {
    const files = byPath(await rendered);
    const text = fileOf(files, 'shovel.yml');
    const schemaPath = './.shovel/shovel.schema.json';
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${schemaPath}`);

    const config = shovelConfigSchema.parse(parseYaml(text));
    const data = templateData(answers);
    expect(config.$schema).toBe(schemaPath);
    expect(config.service).toEqual({
      id: answers.name,
      group: answers.marathonGroup,
      description: answers.description,
      team: answers.team,
    });
    expect(config.image).toEqual({ repository: data.image, nodeImage: answers.nodeImage });
    expect(config.resources).toEqual({ cpus: answers.cpus, memory: answers.memory, instances: answers.instances });
    // The port contract's form: PORT (public) and METRICS_PORT (private, where metrics are).
    expect(parseYaml(text).ports).toEqual({ http: answers.port, metrics: data.metricsPort });
    expect(config.ports.map((p) => [p.name, p.containerPort, p.env, p.public])).toEqual([
      ['http', answers.port, 'PORT', true],
      ['metrics', data.metricsPort, 'METRICS_PORT', false],
    ]);
    expect(config.metrics).toEqual({ port: 'metrics', path: '/metrics' });
    expect(config.publicHost).toBe(answers.publicHost === '' ? undefined : answers.publicHost);
    expect(config.marathon.url).toBe(answers.marathonUrl);
    expect(config.health).toMatchObject({
      liveness: { type: 'http', path: '/health/live', port: 'http' },
      readiness: { type: 'http', path: '/health/ready', port: 'http' },
    });
    expect(config.killGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdown.delayMs + config.shutdown.timeoutMs);
  });

  it('keeps the health paths and shutdown defaults in step with the service code', async () => {
    const files = byPath(await rendered);
    const config = shovelConfigSchema.parse(parseYaml(fileOf(files, 'shovel.yml')));
    const health = fileOf(files, 'src/health.ts');
    const path = (check: Check | undefined) => (check?.type === 'http' ? check.path : 'not an http check');
    expect(health).toContain(`liveness: "${path(config.health.liveness)}"`);
    expect(health).toContain(`readiness: "${path(config.health.readiness)}"`);
    expect(fileOf(files, 'Dockerfile')).toContain(`"dist/healthcheck.js", "${path(config.health.liveness)}"`);
    const serviceConfig = fileOf(files, 'src/config.ts');
    const defaultOf = (name: string) =>
      Number(new RegExp(`${name}: milliseconds\\.default\\(\\s*([\\d_]+),`).exec(serviceConfig)?.[1]?.replace(/_/g, ''));
    expect(defaultOf('SHUTDOWN_DELAY_MS')).toBe(config.shutdown.delayMs);
    expect(defaultOf('SHUTDOWN_TIMEOUT_MS')).toBe(config.shutdown.timeoutMs);
  });

  it('writes a Dockerfile that follows the image rules', async () => {
    const dockerfile = fileOf(byPath(await rendered), 'Dockerfile');
    expect(dockerfile).not.toMatch(/^# *syntax=/m);
    expect(dockerfile).toContain(`ARG NODE_IMAGE=${answers.nodeImage}\n`);
    expect(dockerfile).toContain('RUN --mount=type=cache,target=/root/.npm npm ci');
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).not.toContain('--production');
    const instructions = dockerfile.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(instructions).not.toMatch(/npm start|CMD npm|"npm"/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production/m);
    expect(dockerfile).toContain('CMD ["node", "dist/main.js"]');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "dist\/healthcheck.js", "\/health\/live"\]/m);
    expect(dockerfile).not.toMatch(/curl|wget|:latest/);
    for (const arg of ['VERSION', 'REVISION', 'CREATED', 'DESCRIPTION']) {
      expect(dockerfile).toMatch(new RegExp(`^ARG ${arg}=`, 'm'));
    }
    // What changes with every commit comes after every file layer of the final stage, so a
    // new commit rebuilds no layer with files in it.
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const lastFileStep = Math.max(finalStage.lastIndexOf('\nCOPY '), finalStage.lastIndexOf('\nRUN '));
    for (const volatile of ['ARG VERSION', 'ARG REVISION', 'ARG CREATED', 'ARG DESCRIPTION', 'LABEL ']) {
      expect(finalStage.indexOf(`\n${volatile}`), volatile).toBeGreaterThan(lastFileStep);
    }
    expect(finalStage).toMatch(/^ENV SERVICE_VERSION="\$\{VERSION\}" \\\n\s+SERVICE_REVISION="\$\{REVISION\}"$/m);
    expect(dockerfile).toContain(`org.opencontainers.image.title="${answers.name}"`);
    expect(dockerfile).toContain('org.opencontainers.image.description="${DESCRIPTION}"');
    // The free text never lands in the Dockerfile itself.
    expect(dockerfile).not.toContain(answers.description.split('\n')[0]);
  });

  it('writes a CI workflow that tests every push, builds the image and releases from the release branch', async () => {
    const text = fileOf(byPath(await rendered), '.github/workflows/ci.yml');
    const workflow = parseYaml(text);
    expect(Object.keys(workflow.on)).toEqual(['push', 'pull_request']);
    expect(Object.keys(workflow.jobs)).toEqual(['test', 'template', 'image', 'release']);
    // Every action pinned by a full commit SHA, the tag beside it in a comment.
    const uses = [...text.matchAll(/^\s+- uses: (\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThanOrEqual(5);
    for (const [, ref, comment] of uses) {
      expect(ref).toMatch(/^actions\/[a-z-]+@[0-9a-f]{40}$/);
      expect(comment).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
    const image = workflow.jobs.image.steps.find((s: { run?: string }) => s.run?.startsWith('docker build'));
    expect(image.run).toBe(`docker build --build-arg "REVISION=$REVISION" --tag ${answers.name}:ci .`);
    expect(image.env).toEqual({ DOCKER_BUILDKIT: '1', REVISION: '${{ github.sha }}' });
    expect(workflow.jobs.test.steps.map((step: { run?: string }) => step.run).filter(Boolean)).toEqual([
      'npm ci',
      'npm run lint',
      'npm run typecheck',
      'npm run build',
      'npm test',
    ]);
    // The template drift check runs on its own, non-blocking unless the repository says so.
    expect(workflow.jobs.template['continue-on-error']).toBe("${{ vars.SHOVEL_CHECK_BLOCKING != 'true' }}");
    expect(workflow.jobs.template.steps.at(-1).run).toBe('npx --yes --package=create-shovel@latest -- shovel check');
    const release = workflow.jobs.release;
    expect(release.needs).toEqual(['test', 'image']);
    expect(release.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/release'");
    const runs = release.steps.map((s: { run?: string }) => s.run).filter(Boolean);
    expect(runs).toEqual(['npm ci', expect.stringMatching(/^npm install --global create-shovel@\d+\.\d+\.\d+$/), 'npm run release']);
    const step = release.steps.find((s: { run?: string }) => s.run === 'npm run release');
    expect(step.env).toEqual({
      MARATHON_USER: '${{ secrets.MARATHON_USER }}',
      MARATHON_PASSWORD: '${{ secrets.MARATHON_PASSWORD }}',
      MARATHON_TOKEN: '${{ secrets.MARATHON_TOKEN }}',
      SHOVEL_REGISTRY_USER: '${{ secrets.SHOVEL_REGISTRY_USER }}',
      SHOVEL_REGISTRY_PASSWORD: '${{ secrets.SHOVEL_REGISTRY_PASSWORD }}',
    });
  });

  it('documents every environment variable the service reads, in README.md and .env.example', async () => {
    const files = byPath(await rendered);
    const readme = fileOf(files, 'README.md');
    const example = fileOf(files, '.env.example');
    const source = fileOf(files, 'src/config.ts');
    const envSchema = source.slice(source.indexOf('const envSchema = {'), source.indexOf('\n};', source.indexOf('const envSchema = {')));
    const variables = [...envSchema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]);
    expect(variables).toEqual([
      'PORT',
      'METRICS_PORT',
      'HOST',
      'LOG_LEVEL',
      'SHUTDOWN_DELAY_MS',
      'SHUTDOWN_TIMEOUT_MS',
      'SERVICE_VERSION',
      'SERVICE_REVISION',
      'GREETING',
    ]);
    const table = readme.slice(readme.indexOf('<!-- env:begin'), readme.indexOf('<!-- env:end -->'));
    expect(table.match(/^\| `[A-Z_]+` \|/gm)).toEqual(variables.map((name) => `| \`${name}\` |`));
    expect(table).toContain(`(unset: ${answers.port}, chosen at generation)`);
    for (const name of variables) expect(example).toContain(`\n# ${name}=`);
    expect(fileOf(files, '.gitignore')).toMatch(/^!\.env\.example$/m);
  });

  it('asks the owning team for reviews in CODEOWNERS', async () => {
    const codeowners = fileOf(byPath(await rendered), '.github/CODEOWNERS');
    const rules = codeowners.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(rules).toEqual([`* @your-org/${teamSlugOf(answers.team)}`]);
    expect(rules[0]).toMatch(/^\* @your-org\/[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('teamSlugOf', () => {
  it.each([
    ['payments', 'payments'],
    ['Team "Q" {{x}} ${y}', 'team-q-x-y'],
    ['🚀', 'owners'],
  ])('%j -> %s', (team, slug) => expect(teamSlugOf(team)).toBe(slug));
});

describe('writeService', () => {
  it('writes the rendered tree with the template files\' modes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shovel-render-'));
    const written = await writeService(dir, HOSTILE);
    expect(written).toEqual(EXPECTED_FILES);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.description).toBe(HOSTILE_DESCRIPTION);
  });
});

describe('a reproducible tree', () => {
  const rendered = renderTree(serviceTemplateDir(), templateData(SERVICE_ANSWERS));
  const root = path.resolve(serviceTemplateDir(), '../..');
  const readTable = async (file: string) => JSON.parse(await readFile(path.join(root, 'versions/service', file), 'utf8'));

  it('ships the pinned lockfile, changed only in the name and version of the service', async () => {
    const files = byPath(await rendered);
    const pkg = JSON.parse(fileOf(files, 'package.json'));
    const lock = JSON.parse(fileOf(files, 'package-lock.json'));
    const pinned = await readTable('package-lock.json');
    expect(lock.name).toBe(SERVICE_ANSWERS.name);
    expect(lock.version).toBe(pkg.version);
    expect(lock.packages[''].name).toBe(SERVICE_ANSWERS.name);
    expect(lock.packages[''].version).toBe(pkg.version);
    const strip = (l: { packages: Record<string, unknown> }) => ({
      ...l,
      name: undefined,
      version: undefined,
      packages: { ...l.packages, '': { ...(l.packages[''] as object), name: undefined, version: undefined } },
    });
    expect(strip(lock)).toEqual(strip(pinned));
    // Written the way npm writes it, so the first `npm install` in the service changes nothing.
    expect(fileOf(files, 'package-lock.json')).toBe(`${JSON.stringify(lock, null, 2)}\n`);
  });

  it('depends on exactly the versions of the table, and on no path, link or release tool', async () => {
    const files = byPath(await rendered);
    const pkg = JSON.parse(fileOf(files, 'package.json'));
    const table = await readTable('package.json');
    expect(pkg.dependencies).toEqual(table.dependencies);
    expect(pkg.devDependencies).toEqual(table.devDependencies);
    expect(pkg.engines).toEqual(table.engines);
    for (const [name, spec] of Object.entries<string>({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(spec, name).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(Object.keys(pkg.devDependencies)).not.toContain('create-shovel');
    for (const [name, text] of files) {
      expect(text, name).not.toMatch(/"(file|link|portal):/);
      expect(text, name).not.toContain(root);
    }
    expect(files.has('scripts/omit-release-tool.js')).toBe(false);
  });

  it('names the image Node in .nvmrc and the CI workflow reads it', async () => {
    const files = byPath(await rendered);
    const table = await readTable('package.json');
    expect(fileOf(files, '.nvmrc')).toBe(`${table.shovel.nodeMajor}\n`);
    expect(fileOf(files, 'Dockerfile')).toContain(`ARG NODE_IMAGE=node:${table.shovel.nodeMajor}-`);
    const workflow = parseYaml(fileOf(files, '.github/workflows/ci.yml'));
    const setups = Object.values<{ steps: { uses?: string; with?: Record<string, unknown> }[] }>(workflow.jobs)
      .flatMap((job) => job.steps)
      .filter((step) => step.uses?.startsWith('actions/setup-node'));
    expect(setups.length).toBeGreaterThan(0);
    for (const step of setups) expect(step.with?.['node-version-file']).toBe('.nvmrc');
  });

  it('has a grouped, scheduled Renovate config', async () => {
    const renovate = JSON.parse(fileOf(byPath(await rendered), 'renovate.json'));
    expect(renovate.schedule).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(renovate.packageRules.some((rule: { groupName?: string }) => rule.groupName)).toBe(true);
    expect(renovate.lockFileMaintenance.enabled).toBe(true);
    // The workflow's actions stay pinned by commit when Renovate updates them.
    expect(renovate.extends).toContain('helpers:pinGitHubActionDigests');
  });

  it('points shovel.yml at the JSON Schema it ships, the one `npm run build` wrote', async () => {
    const files = byPath(await rendered);
    const shipped = await readFile(path.join(root, 'schema/shovel.schema.json'), 'utf8');
    // Byte for byte, and printed as JSON.stringify(schema, null, 2) would print it.
    expect(fileOf(files, '.shovel/shovel.schema.json')).toBe(shipped);
    expect(shipped).toBe(`${JSON.stringify(JSON.parse(shipped), null, 2)}\n`);
    expect(parseYaml(fileOf(files, 'shovel.yml')).$schema).toBe('./.shovel/shovel.schema.json');
  });
});

/**
 * Loads a CommonJS bundle (create-shovel's, dist/bundle/create.cjs) with V8's compiled code
 * kept between runs, for Nodes without module.enableCompileCache (added in Node 22.1, which
 * caches it by itself). Without a cache, every run parses the bundle again and compiles each
 * function it calls; with one, V8 takes both from the cache file.
 *
 * The cache is an optimisation only: any problem with it (no usable directory, a file V8
 * rejects, a failed write) means the bundle is compiled as usual, and the run goes on.
 * - Key: the Node version, the architecture and the bundle's build id, the hash of its content
 *   that the build appends as its last line (scripts/bundle.js). V8 checks its own version and
 *   flags, but of the source only its length.
 * - Place: a directory of the user's own (not writable by others, since the cache is code
 *   that runs) under the system temporary directory, where Node keeps its own compile cache.
 * - Written once the process exits, so that it holds every function the run compiled;
 *   atomically, by a rename, so that a concurrent run reads a whole file or none.
 */
import fs = require('node:fs');
import Module = require('node:module');
import os = require('node:os');
import path = require('node:path');
import url = require('node:url');
import vm = require('node:vm');

/** How the bundle's last line starts; the hex digest follows. */
const BUILD_ID_PREFIX = '//# shovel-build-id=';

type CacheOutcome =
  /** The cache was there and V8 took it. */
  | 'used'
  /** None yet, or V8 refused it: compiled as usual, a new one is written at exit. */
  | 'written'
  /** No usable cache directory, or a bundle without a build id: compiled as usual. */
  | 'off';

interface CachedLoad {
  exports: unknown;
  outcome: CacheOutcome;
}

function defaultCacheDir(): string {
  const user = typeof process.getuid === 'function' ? `-${process.getuid()}` : '';
  return path.join(os.tmpdir(), `create-shovel-compile-cache${user}`);
}

/** The directory, made if absent, when it is a directory of this user's that others cannot write to. */
function usableDir(dir: string): boolean {
  try {
    let info = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (info === undefined) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      info = fs.lstatSync(dir);
    }
    if (!info.isDirectory()) return false;
    if (typeof process.getuid !== 'function') return true;
    return info.uid === process.getuid() && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function buildId(source: string): string | undefined {
  const at = source.lastIndexOf(BUILD_ID_PREFIX);
  if (at < 0) return undefined;
  const id = source.slice(at + BUILD_ID_PREFIX.length).trim();
  return /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** A cache file not rewritten for this long is removed when another one is written. */
const STALE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Writes `data` to `file` by a rename, and removes stale caches beside it (other builds and
 * Node versions), so that the directory does not grow with every build.
 */
function writeCache(file: string, data: Buffer): void {
  const dir = path.dirname(file);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, data, { mode: 0o600 });
    fs.renameSync(temporary, file);
    const now = Date.now();
    for (const name of fs.readdirSync(dir)) {
      const other = path.join(dir, name);
      if (other !== file && name.endsWith('.cache') && now - fs.statSync(other).mtimeMs > STALE_MS) fs.rmSync(other, { force: true });
    }
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * require(file), with its compiled code from the cache in `cacheDir` when there is one that
 * V8 accepts. The module is registered in require's cache as require would, so that an ES
 * module importing the file gets this same instance.
 */
function requireCached(file: string, cacheDir: string = defaultCacheDir()): CachedLoad {
  const source = fs.readFileSync(file, 'utf8');
  const id = buildId(source);
  if (id === undefined || !usableDir(cacheDir)) return { exports: require(file) as unknown, outcome: 'off' };
  const cacheFile = path.join(cacheDir, `${process.version}-${process.arch}-${id.slice(0, 32)}.cache`);
  const cachedData = readOrUndefined(cacheFile);
  // Module.wrap's function, with one more parameter: the import function the bundle uses for
  // its chunks (Node 20 loses import()'s hook in code taken from a cache; scripts/bundle.js).
  const wrapped = `(function (exports, require, module, __filename, __dirname, __shovelImport) { ${source}\n});`;
  const script = new vm.Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  const mod = new Module(file, module);
  mod.filename = file;
  require.cache[file] = mod;
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    const dir = path.dirname(file);
    const importChunk = (specifier: string): Promise<unknown> => import(url.pathToFileURL(path.resolve(dir, specifier)).href);
    wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dir, importChunk);
  } catch (error) {
    delete require.cache[file];
    throw error;
  }
  mod.loaded = true;
  if (!used) process.once('exit', () => writeCache(cacheFile, script.createCachedData()));
  return { exports: mod.exports, outcome: used ? 'used' : 'written' };
}

export = { BUILD_ID_PREFIX, defaultCacheDir, requireCached };

/**
 * The one table of inputs. Prompts, flags, --help, validation, the answers file and the
 * record kept in the generated repository are all derived from it: add an input here and
 * every one of those follows.
 */
import * as rules from './rules.js';
import { NODE_IMAGE_DEFAULT } from '../versions.js';

export interface Answers {
  name: string;
  description: string;
  team: string;
  port: number;
  publicHost: string;
  cpus: number;
  memory: number;
  instances: number;
  imageRepository: string;
  marathonUrl: string;
  marathonGroup: string;
  nodeImage: string;
}

export type InputKey = keyof Answers;

interface BaseInput<K extends InputKey> {
  key: K;
  /** The long flag, without dashes. */
  flag: string;
  /** The prompt's question. */
  message: string;
  /** One line for --help. */
  help: string;
  /** A value to accept with --yes or Enter; a function sees earlier answers. */
  default?: Answers[K] | ((answers: Partial<Answers>) => Answers[K]);
  validate: rules.Rule<Answers[K]>;
}

interface StringInput<K extends InputKey> extends BaseInput<K> {
  type: 'string';
}
interface NumberInput<K extends InputKey> extends BaseInput<K> {
  type: 'integer' | 'number';
}

export type InputSpec = {
  [K in InputKey]: Answers[K] extends number ? NumberInput<K> : StringInput<K>;
}[InputKey];

export const INPUTS: readonly InputSpec[] = [
  {
    key: 'name',
    flag: 'name',
    type: 'string',
    message: 'Service name',
    help: 'npm package name, Marathon app id and DNS label (lowercase letters, digits, hyphens; <= 63)',
    validate: rules.serviceName,
  },
  {
    key: 'description',
    flag: 'description',
    type: 'string',
    message: 'Description',
    help: 'what the service does, one sentence or a few lines',
    default: (a) => `The ${a.name ?? 'new'} service.`,
    validate: rules.multiLineText(500),
  },
  {
    key: 'team',
    flag: 'team',
    type: 'string',
    message: 'Owning team',
    help: 'team that owns and is paged for the service',
    default: 'platform',
    validate: rules.singleLineText(64),
  },
  {
    key: 'port',
    flag: 'port',
    type: 'integer',
    message: 'HTTP port',
    help: 'port the service listens on inside its container',
    default: 8080,
    validate: rules.inRange('port'),
  },
  {
    key: 'publicHost',
    flag: 'public-host',
    type: 'string',
    message: 'Public URL host (empty for none)',
    help: 'host name the service is reachable at through marathon-lb, e.g. orders.example.com',
    default: '',
    validate: rules.hostName,
  },
  {
    key: 'cpus',
    flag: 'cpus',
    type: 'number',
    message: 'CPUs per instance',
    help: 'CPU shares per instance (Marathon cpus)',
    default: 0.25,
    validate: rules.inRange('cpus'),
  },
  {
    key: 'memory',
    flag: 'memory',
    type: 'integer',
    message: 'Memory per instance (MiB)',
    help: 'memory limit per instance in MiB (Marathon mem)',
    default: 256,
    validate: rules.inRange('memory'),
  },
  {
    key: 'instances',
    flag: 'instances',
    type: 'integer',
    message: 'Instances',
    help: 'number of instances to run',
    default: 2,
    validate: rules.inRange('instances'),
  },
  {
    key: 'imageRepository',
    flag: 'image-repository',
    type: 'string',
    message: 'Image registry/repository prefix',
    help: 'where images are pushed; the image is <prefix>/<name>',
    default: '127.0.0.1:5000',
    validate: rules.imagePrefix,
  },
  {
    key: 'marathonUrl',
    flag: 'marathon-url',
    type: 'string',
    message: 'Marathon URL (empty to release to the local Docker engine)',
    help: 'Marathon base URL; credentials come from MARATHON_USER/MARATHON_PASSWORD or MARATHON_TOKEN',
    default: '',
    validate: rules.httpUrl,
  },
  {
    key: 'marathonGroup',
    flag: 'marathon-group',
    type: 'string',
    message: 'Marathon group',
    help: 'Marathon group the app lives in, e.g. /payments',
    default: '/',
    validate: rules.marathonGroup,
  },
  {
    key: 'nodeImage',
    flag: 'node-image',
    type: 'string',
    message: 'Node base image',
    help: 'base image of the Dockerfile (swap in your private base image)',
    default: NODE_IMAGE_DEFAULT,
    validate: rules.baseImage,
  },
];

export function defaultFor(spec: InputSpec, answers: Partial<Answers>): string | number | undefined {
  const d = spec.default;
  return typeof d === 'function' ? (d as (a: Partial<Answers>) => string | number)(answers) : d;
}

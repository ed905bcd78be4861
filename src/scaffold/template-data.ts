/**
 * What the templates see: the answers plus values derived from them. Derivations live here,
 * once, so templates never compute anything.
 */
import type { Answers } from '../inputs/schema.js';
import { selfPackage } from '../util/self.js';
import { NODE_ENGINES, NODE_LTS_MAJOR, SERVICE_DEPENDENCIES, SERVICE_DEV_DEPENDENCIES } from '../versions.js';

export const TEMPLATE_NAME = 'service';

export interface TemplateData extends Answers {
  template: string;
  /** Marathon app id: group + name, e.g. /payments/orders. */
  appId: string;
  /** Image repository without tag: <imageRepository>/<name>. */
  image: string;
  /** Private port for /metrics (never behind the public URL). */
  metricsPort: number;
  nodeMajor: number;
  nodeEngines: string;
  shovel: { name: string; version: string; packageSpec: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

export function metricsPortFor(port: number): number {
  return port < 65535 ? port + 1 : port - 1;
}

export function templateData(answers: Answers): TemplateData {
  const self = selfPackage();
  const group = answers.marathonGroup === '/' ? '' : answers.marathonGroup;
  return {
    ...answers,
    template: TEMPLATE_NAME,
    appId: `${group}/${answers.name}`,
    image: `${answers.imageRepository}/${answers.name}`,
    metricsPort: metricsPortFor(answers.port),
    nodeMajor: NODE_LTS_MAJOR,
    nodeEngines: NODE_ENGINES,
    shovel: { name: self.name, version: self.version, packageSpec: self.dependencySpec },
    dependencies: { ...SERVICE_DEPENDENCIES },
    devDependencies: { ...SERVICE_DEV_DEPENDENCIES, [self.name]: self.dependencySpec },
  };
}

/**
 * The answers `shovel init` proposes, from the Dockerfile's facts and the directory name, and
 * the health timings its HEALTHCHECK gives (each kept only when shovel.yml accepts it).
 */
import path from 'node:path';
import { shovelConfigObject } from '../config/schema.js';
import { suggestServiceName } from '../inputs/rules.js';
import { INPUTS } from '../inputs/schema.js';
import type { HealthcheckFacts, ImageFacts } from './image-facts.js';
import type { InitAnswers, InitKey } from './inputs.js';

export interface HealthTimings {
  intervalSeconds?: number;
  timeoutSeconds?: number;
  gracePeriodSeconds?: number;
  maxConsecutiveFailures?: number;
}

/** The URL a HEALTHCHECK command fetches (curl, wget, ...), if it names one. */
export function healthcheckUrl(check: HealthcheckFacts | undefined): URL | undefined {
  if (!check?.command) return undefined;
  const text = Array.isArray(check.command) ? check.command.join(' ') : check.command;
  const match = /https?:\/\/[^\s'"]+/.exec(text);
  if (!match) return undefined;
  try {
    return new URL(match[0]);
  } catch {
    return undefined;
  }
}

const inputDefault = <K extends InitKey>(key: K): InitAnswers[K] | undefined => {
  const d = INPUTS.find((i) => i.key === key)?.default;
  return typeof d === 'function' ? undefined : (d as InitAnswers[K] | undefined);
};

/** The first TCP port of EXPOSE, else the HEALTHCHECK URL's port, else create-shovel's default. */
function httpPort(facts: ImageFacts): number {
  const tcp = facts.expose.find((p) => p.protocol === 'tcp');
  if (tcp) return tcp.port;
  const url = healthcheckUrl(facts.healthcheck);
  if (url?.port) return Number(url.port);
  return inputDefault('port') as number;
}

export function proposedAnswers(dir: string, facts: ImageFacts): Partial<InitAnswers> {
  const name = suggestServiceName(path.basename(path.resolve(dir)));
  const proposed: Partial<InitAnswers> = {
    port: httpPort(facts),
  };
  const url = healthcheckUrl(facts.healthcheck);
  if (url) proposed.healthPath = url.pathname;
  if (name) proposed.name = name;
  for (const key of ['publicHost', 'cpus', 'memory', 'instances', 'imageRepository', 'marathonUrl', 'marathonGroup'] as const) {
    const d = inputDefault(key);
    if (d !== undefined) (proposed as Record<string, unknown>)[key] = d;
  }
  return proposed;
}

/** HEALTHCHECK --interval, --timeout, --start-period and --retries, as shovel.yml health keys. */
export function healthTimings(check: HealthcheckFacts | undefined, notes: string[]): HealthTimings {
  if (!check || check.disabled) return {};
  const shape = shovelConfigObject.shape.health.unwrap().shape;
  const out: HealthTimings = {};
  const take = (key: keyof HealthTimings, value: number | undefined, option: string) => {
    if (value === undefined) return;
    if (shape[key].safeParse(value).success) out[key] = value;
    else notes.push(`HEALTHCHECK ${option} (${value}) is outside what shovel.yml health.${key} accepts; the default is used`);
  };
  take('intervalSeconds', check.intervalSeconds, '--interval');
  take('timeoutSeconds', check.timeoutSeconds, '--timeout');
  take('gracePeriodSeconds', check.startPeriodSeconds, '--start-period');
  take('maxConsecutiveFailures', check.retries, '--retries');
  const interval = out.intervalSeconds ?? (shape.intervalSeconds.parse(undefined) as number);
  const timeout = out.timeoutSeconds ?? (shape.timeoutSeconds.parse(undefined) as number);
  if (timeout >= interval) {
    notes.push(`HEALTHCHECK timeout ${timeout}s is not less than its interval ${interval}s, which shovel.yml requires; the default timeout and interval are used`);
    delete out.intervalSeconds;
    delete out.timeoutSeconds;
  }
  return out;
}

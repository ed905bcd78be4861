/**
 * The parts of Marathon's replies Shovel reads. Loosely typed on purpose: Marathon adds fields
 * between versions, and Shovel must never PUT a GET response back (marathon-api.md), so these
 * types are for reading only.
 */

export type MarathonDialect = '1.x' | '0.15' | '0.11';

export type MarathonAuth = { kind: 'basic'; user: string; password: string } | { kind: 'token'; token: string };

export interface MarathonInfo {
  version: string;
  name?: string;
  leader?: string;
  [key: string]: unknown;
}

export interface TaskFailure {
  message?: string;
  state?: string;
  timestamp?: string;
  taskId?: string;
  version?: string;
  [key: string]: unknown;
}

export interface MarathonApp {
  id: string;
  version: string;
  instances: number;
  versionInfo?: { lastConfigChangeAt?: string; lastScalingAt?: string };
  /** Present with embed=app.counts. */
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksStaged?: number;
  tasksUnhealthy?: number;
  /** Deployments running for this app (Marathon always includes them in a single-app GET). */
  deployments?: Array<{ id: string }>;
  /** Present with embed=app.lastTaskFailure, once a task has failed. */
  lastTaskFailure?: TaskFailure;
  [key: string]: unknown;
}

export interface MarathonDeployment {
  id: string;
  version: string;
  affectedApps: string[];
  currentStep?: number;
  totalSteps?: number;
  currentActions?: Array<{ action: string; app?: string; readinessCheckResults?: unknown[] }>;
  [key: string]: unknown;
}

/** What PUT /v2/apps/{id}, a rollback, a scale and DELETE /v2/apps/{id} return. */
export interface DeploymentRef {
  deploymentId: string;
  version: string;
}

/** One server-sent event of /v2/events; `data` is the parsed JSON payload. */
export interface MarathonEvent {
  eventType: string;
  data: Record<string, unknown>;
}

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

/** Marathon's health of one task (core/health/Health.scala): `alive` is the verdict. */
export interface HealthCheckResult {
  alive?: boolean;
  consecutiveFailures?: number;
  firstSuccess?: string | null;
  lastFailure?: string | null;
  lastSuccess?: string | null;
  lastFailureCause?: string | null;
  [key: string]: unknown;
}

/**
 * One task of the app (raml/TaskConversion.scala): `version` is the app version the task was
 * launched with; it is absent once the task is no longer active.
 */
export interface MarathonTask {
  id: string;
  appId?: string;
  /** TASK_STAGING, TASK_STARTING, TASK_RUNNING, TASK_KILLING, ... */
  state?: string;
  version?: string;
  stagedAt?: string;
  startedAt?: string;
  healthCheckResults?: HealthCheckResult[];
  [key: string]: unknown;
}

/** Counts of one slice of the app's tasks (core/appinfo/TaskStatsByVersion.scala). */
export interface TaskStats {
  stats?: { counts?: { staged?: number; running?: number; healthy?: number; unhealthy?: number } };
}

export interface MarathonApp {
  id: string;
  version: string;
  instances: number;
  versionInfo?: { lastConfigChangeAt?: string; lastScalingAt?: string };
  healthChecks?: unknown[];
  /** Always present in a single-app GET (AppsResource.scala embeds them for compatibility). */
  tasks?: MarathonTask[];
  /** Present with embed=app.taskStats. */
  taskStats?: { totalSummary?: TaskStats; withLatestConfig?: TaskStats; withOutdatedConfig?: TaskStats; startedAfterLastScaling?: TaskStats };
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

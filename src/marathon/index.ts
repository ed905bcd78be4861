/** Shovel's Marathon support: client, rendering, validation, waiting, deploying. */
export { MarathonClient, appPath, type MarathonClientOptions } from './client.js';
export { dialectFor, renderAppDefinition, RESERVED_ENV, type RenderOptions } from './render.js';
export { validateAppDefinition, appDefinitionProblems } from './validate.js';
export { decide, waitForDeployment, type Decision, type Observation, type WaitOptions, type WaitResult } from './wait.js';
export { deployToMarathon, type DeployOptions, type DeployResult, type DeployPhase } from './deploy.js';
export * from './errors.js';
export type * from './types.js';

/**
 * agent/ — the store agent: one process with a local HTTP API (fastify, OpenAPI from zod schemas),
 * server-sent events, Prometheus metrics, a kk/ru/en status page, pino logs, graceful shutdown, and
 * the service templates in ./service. It composes the SDK terminal (decision, sale log, relay,
 * tracking adapter, scanners) from a configuration checked field by field. Also the operator tools
 * behind `tanba status`, `tanba doctor`, `tanba queue` and `tanba demo`.
 */
export { createAgent, type Agent, type CreateAgentOptions } from './agent.js';
export {
  agentConfigSchema,
  loadConfig,
  defaultConfig,
  redactConfig,
  ConfigError,
  envVars,
  type AgentConfig,
  type AgentConfigInput,
  type ConfigFlags,
  type ConfigIssue,
} from './config.js';
export { AgentClient, AgentApiError, type AgentStatus } from './client.js';
export { createTerminalFromConfig, createTrackingFromConfig, withCachedHealth } from './terminal-factory.js';
export { runDoctor, formatDoctor, type DoctorReport, type DoctorCheck } from './doctor.js';
export { SimulatedScanner } from './simulated-scanner.js';
export { runDemo, type DemoOptions, type DemoResult } from './demo.js';
export { buildOpenApi } from './openapi.js';
export type { FieldError } from '../util/field-errors.js';

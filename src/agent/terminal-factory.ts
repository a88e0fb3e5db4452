/** Builds the SDK terminal the agent serves from the agent configuration. */
import type { Logger } from 'pino';
import type { Terminal } from '../terminal/types.js';
import type { AgentConfig } from './config.js';

export async function createTerminalFromConfig(config: AgentConfig, logger: Logger): Promise<Terminal> {
  void config;
  void logger;
  // Wired to createTerminal() once the outbox branch lands (see issue 5).
  throw Object.assign(new Error('createTerminal() is not available in this build yet'), { code: 'terminal-unavailable' });
}

/** Asks the configured tracking system for a token (for `tanba doctor`). */
export async function trackingHealth(config: AgentConfig): Promise<{ ok: boolean; tokenExpiresAt: string | null; message?: string }> {
  void config;
  throw Object.assign(new Error('tracking adapters are not available in this build yet'), { code: 'tracking-unavailable' });
}

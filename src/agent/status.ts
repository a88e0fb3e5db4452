/**
 * The agent's view of its state: the terminal's status plus what only the agent knows (no tracking
 * system configured, version, uptime, sellers). One function, used by `/v1/status`, the event
 * stream and the metrics, so they never disagree.
 */
import type { Terminal, TerminalStatus } from '../terminal/types.js';
import type { AgentConfig } from './config.js';
import { version } from './version.js';

export interface AgentInfo {
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  country: string;
  language: string;
  trackingConfigured: boolean;
  sellers: AgentConfig['sellers'];
}

export type AgentStatusView = TerminalStatus & { agent: AgentInfo };

export function statusSource(terminal: Terminal, config: AgentConfig, startedAt: Date): () => Promise<AgentStatusView> {
  return async () => {
    const s = await terminal.status();
    if (!config.tracking.url) {
      s.problems.push({ code: 'tracking-not-configured', message: 'No tracking system is configured (tracking.url): codes are checked on local knowledge only (receipts still go to their cash registers).' });
      s.state = 'degraded';
    }
    return {
      ...s,
      agent: {
        version,
        startedAt: startedAt.toISOString(),
        uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
        country: config.country,
        language: config.language,
        trackingConfigured: Boolean(config.tracking.url),
        sellers: config.sellers,
      },
    };
  };
}

/** `tanba status`: asks a running agent for its state; exit 0 ready, 1 degraded, 2 unreachable. */
import type { Command } from 'commander';
import { AgentApiError, AgentClient, localUrl } from '../../agent/client.js';
import { ConfigError, loadConfig } from '../../agent/config.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show the state of a running agent (ready/degraded, each register and its queue, token, scanners)')
    .option('--config <file>', 'the agent config file, to find its address and token')
    .option('--port <n>', 'agent port')
    .option('--url <url>', 'agent base URL (default from the config)')
    .option('--token <secret>', 'API token (prefer TANBA_TOKEN)')
    .option('--json', 'print the raw JSON')
    .action(async (opts: { config?: string; port?: string; url?: string; token?: string; json?: boolean }) => {
      let url = opts.url;
      let token = opts.token ?? (process.env.TANBA_TOKEN || undefined);
      if (!url) {
        try {
          const c = loadConfig({ flags: { config: opts.config, port: opts.port, token: opts.token } });
          url = localUrl(c.http.host, c.http.port);
          token ??= c.http.token;
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          process.stderr.write(`tanba status: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
      }
      let s;
      try {
        s = await new AgentClient(url, { token, timeoutMs: 5000 }).status();
      } catch (e) {
        if (e instanceof AgentApiError && e.status === 401) {
          process.stderr.write(`tanba status: the agent at ${url} refused the token (401): set TANBA_TOKEN (or --token) to its http.token.\n`);
          process.exitCode = 2;
          return;
        }
        process.stderr.write(`tanba status: no agent answers at ${url} (${e instanceof Error ? e.message : String(e)}). Start it with \`tanba agent\`, or check --url/--port.\n`);
        process.exitCode = 2;
        return;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else {
        const lines = [
          `agent     ${url}  v${s.agent.version}  up ${s.agent.uptimeSeconds}s  ${s.state.toUpperCase()}`,
          ...s.problems.map((p) => `  problem ${p.code}: ${p.message}`),
          `queue     ${s.queue.pending} pending${s.queue.oldestPendingAt ? `, oldest since ${s.queue.oldestPendingAt}` : ''}, ${s.queue.deadLetters} dead letters`,
          ...s.registers.map(
            (r) =>
              `register  ${r.id} ${r.channel ?? 'no channel'} ${r.state.toUpperCase()}: ${r.pending} unsent${r.oldestUnsentAt ? ` since ${r.oldestUnsentAt}` : ''}${r.hoursLeft !== null ? `, ${r.hoursLeft} h left before the 72 h block` : ''}, ${r.deadLetters} dead${r.lastError && r.state !== 'ok' ? `, last error ${r.lastError}` : ''}`,
          ),
          `tracking  ${s.agent.trackingConfigured ? (s.tracking.message ?? 'configured') : 'not configured'}`,
          `token     ${s.tracking.tokenExpiresAt ? `expires ${s.tracking.tokenExpiresAt}` : 'unknown'}`,
          `scanners  ${s.scanners.length ? s.scanners.map((x) => `${x.driver} ${x.path} ${x.state}`).join('; ') : 'none'}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = s.state === 'ready' ? 0 : 1;
    });
}

import pino from 'pino';
import { Agent } from '../../agent/agent.js';
import { AGENT_FLAGS, loadAgentConfig } from '../../agent/agent-config.js';
import { REDACTED } from '../../common/redacted.js';
import { ExitCode, parseCommandArgs, type Command } from '../command.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'watch a live Envoy continuously beside it (the sidecar)',
  usage: `
Usage: envoy-drift agent --admin <url|unix:path> --declared <file|dir> --data-dir <dir> [options]
       envoy-drift agent --admin <url|unix:path> --control-plane <host:port> [--declared <file|dir>] --data-dir <dir> [options]

Polls a few of Envoy's stats every --interval and runs a full check when
they move (and every --full-check-interval); reports drift per service as
events (journal first, then the sinks in --config), on its own endpoint and
as metrics. Every flag has an environment variable (ENVOY_DRIFT_<FLAG>) and
a key in the --config file; flags win over the environment, which wins over
the file.

Options:
  --config <file>                 YAML config file (also: sinks, journal)
  --admin <url|unix:path>         Envoy admin
  --declared <file|dir>           the declaration; watched, reloaded when valid
  --data-dir <dir>                journal, cursors and finding state
  --listen <host:port|unix:path>  the agent's endpoint (default 127.0.0.1:9902)
  --interval <duration>           poll interval (/runtime; default 1s)
  --admin-budget <percent>        most of Envoy's admin time the stats scans may take;
                                  a larger proxy scans less often (default 0.5%)
  --full-check-interval <dur>     full check even without a change (default 5m)
  --timeout <duration>            per admin request (default 5s)
  --max-backoff <duration>        longest wait while the proxy is unreachable (default 30s)
  --reminder-interval <duration>  re-announce an unresolved finding (default 1h)
  --warming-grace <duration>      report resources warming longer than this (default 60s)
  --remediation observe|revert|approve   default for services the manifest does not name
  --token-file <file>             bearer token for the mutating routes (required off loopback)
  --dry-run                       decide remediations, change nothing
  --log-level <level>             fatal, error, warn, info, debug, trace, silent (default info)
  --control-plane <host:port>     follow the proxy's xDS control plane: its current resources for the
                                  proxy's node are the declaration of the types the proxy subscribes to
                                  (one more read-only ADS stream; pushes are followed)
  --control-plane-ca <file>       TLS: the control plane's CA
  --control-plane-cert <file>     mutual TLS: client certificate (with --control-plane-key)
  --control-plane-key <file>      its private key
  --node-id <id>                  ask as this node (default: the proxy's own, from its config dump)
  --stale-grace <duration>        a resource older on the proxy than on the control plane is stale
                                  past this (default 30s)
  --check-thread auto|main|worker where checks run: main (one isolate, less memory; a check blocks the
                                  agent's endpoint while it runs), worker (its own thread), auto (main
                                  below 3 MB of declared files, else worker; the default)

Durations take their unit: 500ms, 2s, 1.5m, 1h.

Endpoint: GET /healthz /readyz /metrics /v1/status /v1/drift /v1/drift/{service}
/v1/snapshot /v1/events (server-sent events) /v1/remediations; POST /v1/check,
/v1/remediations/{id}/approve and /v1/remediations/{id}/reject (token).
SIGTERM or SIGINT finish the current step and exit 0.
`,
  async run(argv, io) {
    const { values } = parseCommandArgs('agent', argv, AGENT_FLAGS);
    const flags = Object.fromEntries(
      Object.entries(values).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : v === true && k === 'dry-run' ? [[k, 'true']] : [])),
    ) as Record<string, string>;
    const config = await loadAgentConfig({ ...(flags['config'] ? { file: flags['config'] } : {}), flags, env: io.env });
    const logger = pino(
      {
        level: config.logLevel,
        base: { service: 'envoy-drift' },
        // Secrets never reach the logs: tokens, and any declared or live value of a change.
        redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: REDACTED },
      },
      pino.destination(2),
    );
    const agent = new Agent({ config, logger, env: io.env });
    await agent.start();
    io.stderr.write(`envoy-drift agent listening on ${agent.endpoint}\n`);
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'stopping');
        agent.stop().then(resolve, resolve);
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
    return ExitCode.IN_SYNC;
  },
};


import type { SinkConfig } from './sink-config.js';
import type { Sink } from './sink.js';

export interface SinkContext {
  readonly dataDir: string;
  readonly stdout?: NodeJS.WritableStream;
}

/**
 * Each sink's module (and its HTTP or TLS client) is loaded only when a sink
 * of that type is configured: the agent is a sidecar, and a module graph
 * nobody uses is resident memory in every pod.
 */
export async function createSink(config: SinkConfig, context: SinkContext): Promise<Sink> {
  switch (config.type) {
    case 'syslog':
      return new (await import('./syslog.js')).SyslogSink(config);
    case 'splunk_hec':
      return new (await import('./splunk-hec.js')).SplunkHecSink(config, context.dataDir);
    case 'elasticsearch':
      return new (await import('./elasticsearch.js')).ElasticsearchSink(config, context.dataDir);
    case 'webhook':
      return new (await import('./webhook.js')).WebhookSink(config);
    case 'stdout':
      return new (await import('./stdout.js')).StdoutSink(config, context.stdout);
    case 'file':
      return new (await import('./file.js')).FileSink(config);
  }
}

import { ElasticsearchSink } from './elasticsearch.js';
import { FileSink } from './file.js';
import type { SinkConfig } from './sink-config.js';
import type { Sink } from './sink.js';
import { SplunkHecSink } from './splunk-hec.js';
import { StdoutSink } from './stdout.js';
import { SyslogSink } from './syslog.js';
import { WebhookSink } from './webhook.js';

export interface SinkContext {
  readonly dataDir: string;
  readonly stdout?: NodeJS.WritableStream;
}

export function createSink(config: SinkConfig, context: SinkContext): Sink {
  switch (config.type) {
    case 'syslog':
      return new SyslogSink(config);
    case 'splunk_hec':
      return new SplunkHecSink(config, context.dataDir);
    case 'elasticsearch':
      return new ElasticsearchSink(config, context.dataDir);
    case 'webhook':
      return new WebhookSink(config);
    case 'stdout':
      return new StdoutSink(config, context.stdout);
    case 'file':
      return new FileSink(config);
  }
}

// What the gateway and the worker report; src/metrics.ts turns it into Prometheus series.

export type CommandResult = 'enqueued' | 'replied' | 'denied' | 'invalid' | 'error' | 'limited';

export interface MetricsSink {
  command(verb: string, result: CommandResult): void;
  jobDone(kind: string, status: string, seconds: number | undefined): void;
}

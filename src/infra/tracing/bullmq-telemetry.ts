import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

/**
 * BullMQ's OpenTelemetry hooks, when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): a job added
 * inside an HTTP request's span carries the trace context, and its worker continues that trace.
 */
export function bullTelemetry(otlpEndpoint: string | undefined): Telemetry | undefined {
  return otlpEndpoint ? new BullMQOtel({ tracerName: 'click-api' }) : undefined;
}

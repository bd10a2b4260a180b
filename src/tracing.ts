import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector (OTLP over
 * HTTP; the SDK reads the other standard OTEL_* variables itself). main.ts loads this before Nest:
 * the HTTP instrumentation must patch node:http before anything requires it. BullMQ's own spans
 * (bullmq-otel, see infra/tracing) continue each request's trace into the jobs it queued.
 * An endpoint that is not a URL is left to the config check, which refuses it in one line.
 */
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
const sdk =
  endpoint && URL.canParse(endpoint)
    ? new NodeSDK({
        serviceName: process.env.OTEL_SERVICE_NAME ?? 'click-api',
        traceExporter: new OTLPTraceExporter(),
        instrumentations: [
          new HttpInstrumentation({
            // Probes and scrapes are not requests anyone wants to trace.
            ignoreIncomingRequestHook: (req) => /^\/(api\/health|metrics)/.test(req.url ?? ''),
          }),
          new ExpressInstrumentation(),
        ],
      })
    : undefined;
sdk?.start();

/** Sends the spans still buffered; called when the app shuts down. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
}

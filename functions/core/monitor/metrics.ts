/**
 * CloudWatch embedded metric format (EMF): a structured log line that CloudWatch turns into metrics,
 * so the Lambda emits metrics with no API call. Pure: returns the object to log.
 */
export const METRICS_NAMESPACE = 'rekwatch';

export type MetricUnit = 'Count' | 'Milliseconds';

export function emf(
  metrics: Record<string, { value: number; unit: MetricUnit }>,
  dimensions: Record<string, string> = {},
  timestamp = Date.now(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.entries(metrics).map(([Name, m]) => ({ Name, Unit: m.unit })),
        },
      ],
    },
    ...dimensions,
  };
  for (const [name, m] of Object.entries(metrics)) out[name] = m.value;
  return out;
}

/**
 * The CloudTrail console's Event history page for one event, in the right partition.
 * Event history keeps management events for 90 days; after that the trail's S3 copy is the evidence.
 */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function cloudTrailEventUrl(region: string, eventId: string): string {
  const r = REGION.test(region) ? region : 'us-east-1';
  const host = r.startsWith('cn-')
    ? `${r}.console.amazonaws.cn`
    : r.startsWith('us-gov-')
      ? 'console.amazonaws-us-gov.com'
      : `${r}.console.aws.amazon.com`;
  return `https://${host}/cloudtrail/home?region=${r}#/events/${encodeURIComponent(wellFormed(eventId))}`;
}

/** Lone surrogates (valid in JSON, not in a URI: encodeURIComponent throws on them) as U+FFFD. */
function wellFormed(value: string): string {
  return value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

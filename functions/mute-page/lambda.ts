/**
 * Lambda function URL (payload format 2.0) <-> the mute page (pure). Cookies arrive in
 * `event.cookies` and leave in `cookies`; the body may be base64-encoded.
 */
import { handlePage, type PageDeps } from './app';

export interface FunctionUrlEvent {
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}

export async function handleFunctionUrl(event: FunctionUrlEvent, deps: PageDeps): Promise<FunctionUrlResult> {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  if (event.cookies?.length) headers.cookie = event.cookies.join('; ');
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const out = await handlePage(
    {
      method: event.requestContext?.http?.method ?? 'GET',
      path: event.rawPath ?? '/',
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers,
      body: body.length > 16 * 1024 ? '' : body,
    },
    deps,
  );
  return { statusCode: out.status, headers: out.headers, cookies: out.cookies, body: out.body };
}

/**
 * The local channels file (schema/channels.schema.json): which channels `rekwatch replay --deliver`
 * and `rekwatch watch` deliver to. Errors name the file and the field. A file that holds a secret
 * (a webhook URL, an SMTP password) is refused when group or others can read it, as ssh refuses a
 * readable private key: `chmod 600` it.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import schema from '../../../schema/channels.schema.json';
import { channels as validate } from '../../../schema/validators';
import type { Severity } from '../../core/common/types';
import { readSchemaFile } from '../json-file';

export interface ChannelsConfig {
  slack?: { webhookUrl: string; severities?: Severity[] };
  email?: { smtpUrl: string; from: string; to: string[]; severities?: Severity[] };
  file?: { path: string; severities?: Severity[] };
}

export class ChannelConfigError extends Error {}

export function readChannelsFile(path: string): ChannelsConfig {
  const value = readSchemaFile(path, schema, validate, {
    error: (m) => new ChannelConfigError(m),
    patternMessage: (field) => (field.endsWith('webhookUrl') ? 'not an http(s) URL' : field.endsWith('smtpUrl') ? 'must start with smtp:// or smtps://' : 'not an email address'),
  });
  const config = value as ChannelsConfig;
  const holdsSecret = config.slack !== undefined || (config.email !== undefined && /^smtps?:\/\/[^/@]*:[^/@]*@/.test(config.email.smtpUrl));
  if (holdsSecret && process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new ChannelConfigError(`${path}: holds a webhook URL or SMTP password but group or others can read it; run: chmod 600 ${path}`);
  }
  if (config.file) config.file = { ...config.file, path: resolve(dirname(path), config.file.path) };
  return config;
}

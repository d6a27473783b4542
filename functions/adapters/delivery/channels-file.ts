/**
 * The local channels file (schema/channels.schema.json): which channels `rekwatch replay --deliver`
 * and `rekwatch watch` deliver to. Errors name the file and the field. A file that holds a secret
 * (a webhook URL, an SMTP password) is refused when group or others can read it, as ssh refuses a
 * readable private key: `chmod 600` it.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Ajv from 'ajv';
import schema from '../../../schema/channels.schema.json';
import { didYouMean } from '../../core/rules/did-you-mean';
import { parseJsonText } from '../../core/rules/parse-json';
import type { Severity } from '../../core/types';

export interface ChannelsConfig {
  slack?: { webhookUrl: string; severities?: Severity[] };
  email?: { smtpUrl: string; from: string; to: string[]; severities?: Severity[] };
  file?: { path: string; severities?: Severity[] };
}

export class ChannelConfigError extends Error {}

const validate = new Ajv({ allErrors: true }).compile(schema);

export function readChannelsFile(path: string): ChannelsConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ChannelConfigError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ChannelConfigError(`${path}: ${parsed.message}`);
  if (!validate(parsed.value)) {
    throw new ChannelConfigError(
      validate.errors!
        .map((e) => {
          const field = e.instancePath.slice(1).replace(/\//g, '.');
          if (e.keyword === 'additionalProperties') {
            const name = String((e.params as { additionalProperty: string }).additionalProperty);
            const known = field === '' ? Object.keys(schema.properties) : Object.keys((schema.properties as Record<string, { properties?: object }>)[field]?.properties ?? {});
            return `${path}: ${field ? `${field}.` : ''}${name}: unknown field${didYouMean(name, known)}`;
          }
          if (e.keyword === 'enum') return `${path}: ${field}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).join(', ')}`;
          if (e.keyword === 'pattern') return `${path}: ${field}: ${field.endsWith('webhookUrl') ? 'not an http(s) URL' : field.endsWith('smtpUrl') ? 'must start with smtp:// or smtps://' : 'not an email address'}`;
          return `${path}: ${field || '(root)'}: ${e.message}`;
        })
        .join('\n'),
    );
  }
  const config = parsed.value as ChannelsConfig;
  const holdsSecret = config.slack !== undefined || (config.email !== undefined && /^smtps?:\/\/[^/@]*:[^/@]*@/.test(config.email.smtpUrl));
  if (holdsSecret && process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new ChannelConfigError(`${path}: holds a webhook URL or SMTP password but group or others can read it; run: chmod 600 ${path}`);
  }
  if (config.file) config.file = { ...config.file, path: resolve(dirname(path), config.file.path) };
  return config;
}

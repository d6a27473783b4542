/**
 * Reads the deployment config file (schema/deploy-config.schema.json). Shared by the CDK app, which
 * deploys it, and the CLI (`--config`), so a backtest uses the same lists and event sources as the
 * deployment. Errors name the file, the line and column (bad JSON) or the field.
 */
import configSchema from '../../schema/deploy-config.schema.json';
import { deployConfig as validateConfig } from '../../schema/validators';
import { didYouMean } from '../core/common/did-you-mean';
import type { SourceFile } from '../core/rules/pack';
import type { ListOrigin } from '../core/common/types';
import type { Severity } from '../core/common/types';
import { readSchemaFile } from './json-file';
import { DURATION_WORDS, type PatternMessage } from '../core/rules/schema';

export interface DeployConfigFile {
  rulesDir?: string;
  alertEmails?: Array<{ address: string; severities?: Severity[] }>;
  alarmEmails?: string[];
  eventSources?: string[];
  createTrail?: boolean;
  logRetentionDays?: number;
  alertBus?: string | null;
  lists?: Record<string, string[]>;
  /** Display names of accounts (12-digit id -> name) for alerts. */
  accountNames?: Record<string, string>;
  slack?: { webhookSecret: string; severities?: Severity[] };
  chatbot?: { workspaceId: string; channelId: string; severities?: Severity[] };
  mutes?: { defaultDuration?: string; maxDuration?: string };
  concurrency?: { mutePage?: number; evaluate?: number };
  account?: string;
  region?: string;
  regions?: string[];
  organizationId?: string;
  organizationalUnitIds?: string[];
  spokeAccounts?: string[];
  stackSetCallAs?: 'SELF' | 'DELEGATED_ADMIN';
  heartbeat?: boolean;
  heartbeatMaxSilence?: string;
}

export class ConfigFileError extends Error {}

/** What each of the schema's patterns asks for, in words. */
export const CONFIG_PATTERNS: Record<string, string> = {
  '^[0-9]{12}$': 'must be a 12-digit AWS account id',
  '^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$': 'must be an AWS region like us-east-1',
  '^o-[a-z0-9]{10,32}$': 'must be an AWS Organizations id like o-abc123defg',
  '^(r-[a-z0-9]{4,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$': 'must be an organization root id (r-...) or OU id (ou-...-...)',
  '^[a-z0-9-]+\\.amazonaws\\.com$': 'must be an AWS service event source like rekognition.amazonaws.com',
  '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$': 'not an email address',
  '^(\\d+[smhdw])+$': DURATION_WORDS,
  '^[0-9A-Z]{1,255}$': 'must be a Slack workspace id (capital letters and digits, like T0123ABCD)',
  '^[A-Za-z0-9]+$': 'must be a Slack channel id (letters and digits, like C0123ABCD)',
};
const configPattern: PatternMessage = (_field, pattern) => CONFIG_PATTERNS[pattern];

export function readDeployConfigFile(path: string): DeployConfigFile {
  return readSchemaFile(path, configSchema, validateConfig, { error: (m) => new ConfigFileError(m), patternMessage: configPattern }) as DeployConfigFile;
}

/**
 * Replaces named lists with configured values before validation, so an override is checked exactly
 * like the file it replaces (e.g. CIDRs for a list used with ipNotInCidr), and its problems name
 * where the values were written (`originOf`: the config file and `lists.NAME`, or a CDK context key).
 * Every override naming no list of the rules directory is reported at once (one error, a line each).
 */
export function applyListOverrides(
  files: readonly SourceFile[],
  overrides: Readonly<Record<string, readonly string[]>>,
  rulesDirLabel: string,
  originOf: (name: string) => ListOrigin = (name) => ({ file: 'the deployment config', field: `lists.${name}` }),
): SourceFile[] {
  const out = [...files];
  const known = files.filter((f) => f.relPath.startsWith('lists/')).map((f) => f.relPath.slice(6, -5));
  const unknown: string[] = [];
  for (const [name, items] of Object.entries(overrides)) {
    const origin = originOf(name);
    const i = out.findIndex((f) => f.relPath === `lists/${name}.json`);
    if (i === -1) {
      unknown.push(`${origin.file}: ${origin.field}: no list "${name}" in ${rulesDirLabel}/lists/${didYouMean(name, known)}`);
      continue;
    }
    const file = out[i] as SourceFile;
    out[i] = { ...file, origin, text: JSON.stringify({ description: `Deployment override of ${name}`, items }) };
  }
  if (unknown.length > 0) throw new ConfigFileError(unknown.join('\n'));
  return out;
}

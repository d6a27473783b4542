/**
 * Reads the deployment config file (schema/deploy-config.schema.json). Shared by the CDK app, which
 * deploys it, and the CLI (`--config`), so a backtest uses the same lists and event sources as the
 * deployment. Errors name the file, the line and column (bad JSON) or the field.
 */
import Ajv from 'ajv';
import configSchema from '../../schema/deploy-config.schema.json';
import { didYouMean } from '../core/rules/did-you-mean';
import type { SourceFile } from '../core/rules/pack';
import type { Severity } from '../core/types';
import { readSchemaFile } from './json-file';

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
}

export class ConfigFileError extends Error {}

const validateConfig = new Ajv({ allErrors: true }).compile(configSchema);

export function readDeployConfigFile(path: string): DeployConfigFile {
  return readSchemaFile(path, configSchema, validateConfig, { error: (m) => new ConfigFileError(m) }) as DeployConfigFile;
}

/**
 * Replaces named lists with configured values before validation, so an override is checked exactly
 * like the file it replaces (e.g. CIDRs for a list used with ipNotInCidr). Throws for an unknown list.
 */
export function applyListOverrides(files: readonly SourceFile[], overrides: Readonly<Record<string, readonly string[]>>, rulesDirLabel: string): SourceFile[] {
  const out = [...files];
  for (const [name, items] of Object.entries(overrides)) {
    const i = out.findIndex((f) => f.relPath === `lists/${name}.json`);
    if (i === -1) {
      const known = files.filter((f) => f.relPath.startsWith('lists/')).map((f) => f.relPath.slice(6, -5));
      throw new ConfigFileError(`lists: no list "${name}" in ${rulesDirLabel}/lists${didYouMean(name, known)}`);
    }
    const file = out[i] as SourceFile;
    out[i] = { ...file, path: `${file.path} (overridden by the deployment config)`, text: JSON.stringify({ description: `Deployment override of ${name}`, items }) };
  }
  return out;
}

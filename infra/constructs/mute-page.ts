import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { rekwatchFunction } from './node-function';

export interface MutePageProps {
  /** Customer-managed key for the link-signing secret. */
  readonly key: kms.IKey;
  /** Grants item access to the state table (where mutes live). */
  readonly grantState: (grantee: iam.IGrantable) => void;
  readonly tableName: string;
  /** Rule id -> name, shown on the page. */
  readonly ruleNames: ReadonlyArray<[string, string]>;
  /** Longest mute a link may create, ms. */
  readonly maxMuteMs: number;
  /**
   * Reserved concurrency: the most requests served at once (beyond it the URL answers 429), and so
   * the most of the account's concurrency a flood of requests to the public URL can take.
   */
  readonly reservedConcurrency: number;
  readonly logRetentionDays: number;
}

/**
 * "Mute this alert" from the alert itself: a generated secret that signs mute links (the evaluate
 * function signs, this page verifies; the key never appears in a template), and a small Lambda
 * behind a public function URL that shows the confirmation page and creates mutes. The URL needs no
 * login because every state change needs a signed, expiring link plus a same-site POST with a CSRF
 * token, and a link makes at most one mute (functions/mute-page/app.ts). Being public, it has
 * reserved concurrency: a flood is throttled at `reservedConcurrency` and cannot take the account's
 * concurrency from the evaluate function.
 */
export class MutePage extends Construct {
  readonly function: NodejsFunction;
  readonly url: lambda.FunctionUrl;
  readonly linkKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: MutePageProps) {
    super(scope, id);
    this.linkKey = new secretsmanager.Secret(this, 'LinkKey', {
      description: 'rekwatch: HMAC key that signs mute links in alerts',
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const parts = rekwatchFunction(this, {
      entry: 'functions/mute-page/index.ts',
      description: 'rekwatch: mute page (confirm and undo mutes from alert links)',
      roleDescription: 'rekwatch mute page',
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetentionDays: props.logRetentionDays,
      reservedConcurrency: props.reservedConcurrency,
      environment: { TABLE_NAME: props.tableName, LINK_KEY_SECRET_ID: this.linkKey.secretArn, MUTE_MAX_MS: String(props.maxMuteMs) },
      define: { __REKWATCH_RULE_NAMES__: JSON.stringify(JSON.stringify(props.ruleNames)) },
    });
    this.function = parts.function;
    this.linkKey.grantRead(this.function);
    props.grantState(this.function);
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  }
}
